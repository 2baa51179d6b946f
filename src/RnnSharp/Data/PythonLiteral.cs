using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RnnSharp.Data
{
    /// <summary>
    /// A parser for the Python literal a .npy header holds, e.g.
    /// <c>{'descr': '&lt;i8', 'fortran_order': False, 'shape': (3, 4), }</c>: dicts, tuples, lists, quoted
    /// strings, integers (with Python 2's optional <c>L</c> suffix), <c>True</c>, <c>False</c> and <c>None</c>.
    /// </summary>
    /// <remarks>
    /// Values map to .NET as in <see cref="NpyArray"/>: <c>Dictionary&lt;object, object?&gt;</c>,
    /// <c>object?[]</c>, <c>List&lt;object?&gt;</c>, <see cref="string"/>, <see cref="long"/>,
    /// <see cref="bool"/> and <see langword="null"/>.
    /// </remarks>
    internal sealed class PythonLiteral
    {
        private readonly string text;
        private readonly string source;
        private readonly long baseOffset;
        private int position;

        private PythonLiteral(string text, string source, long baseOffset)
        {
            this.text = text;
            this.source = source;
            this.baseOffset = baseOffset;
        }

        /// <summary>Parses <paramref name="text"/>, which must hold one literal and optional surrounding whitespace.</summary>
        /// <param name="text">The literal.</param>
        /// <param name="source">The file name for error messages.</param>
        /// <param name="baseOffset">The file offset of the text's first character, for error messages.</param>
        /// <returns>The parsed value.</returns>
        public static object? Parse(string text, string source, long baseOffset)
        {
            var parser = new PythonLiteral(text, source, baseOffset);
            object? value = parser.ParseValue();
            parser.SkipWhitespace();
            if (parser.position != text.Length)
            {
                throw parser.Error($"unexpected '{text[parser.position]}' after the header literal");
            }

            return value;
        }

        private object? ParseValue()
        {
            SkipWhitespace();
            if (position >= text.Length)
            {
                throw Error("unexpected end of the header literal");
            }

            char c = text[position];
            switch (c)
            {
                case '{':
                    return ParseDict();
                case '(':
                    return ParseTuple();
                case '[':
                    position++;
                    return new List<object?>(ParseItems(']', out _));
                case '\'':
                case '"':
                    return ParseString();
                default:
                    if (c == '-' || c == '+' || char.IsAsciiDigit(c))
                    {
                        return ParseInteger();
                    }

                    if (char.IsAsciiLetter(c))
                    {
                        return ParseName();
                    }

                    throw Error($"unexpected '{c}' in the header literal");
            }
        }

        private Dictionary<object, object?> ParseDict()
        {
            position++;
            var dict = new Dictionary<object, object?>();
            while (true)
            {
                SkipWhitespace();
                if (TryConsume('}'))
                {
                    return dict;
                }

                int keyPosition = position;
                object key = ParseValue() ?? throw ErrorAt(keyPosition, "None is not supported as a header key");
                SkipWhitespace();
                Expect(':');
                dict[key] = ParseValue();
                SkipWhitespace();
                if (!TryConsume(','))
                {
                    SkipWhitespace();
                    Expect('}');
                    return dict;
                }
            }
        }

        private object? ParseTuple()
        {
            position++;
            List<object?> items = ParseItems(')', out bool trailingComma);

            // "(x)" is a parenthesized value, not a tuple; "(x,)" and "()" are tuples.
            return items.Count == 1 && !trailingComma ? items[0] : items.ToArray();
        }

        private List<object?> ParseItems(char close, out bool trailingComma)
        {
            var items = new List<object?>();
            trailingComma = false;
            while (true)
            {
                SkipWhitespace();
                if (TryConsume(close))
                {
                    return items;
                }

                items.Add(ParseValue());
                SkipWhitespace();
                trailingComma = TryConsume(',');
                if (!trailingComma)
                {
                    SkipWhitespace();
                    Expect(close);
                    return items;
                }
            }
        }

        private string ParseString()
        {
            char quote = text[position++];
            var builder = new StringBuilder();
            while (true)
            {
                if (position >= text.Length)
                {
                    throw Error("unterminated string in the header literal");
                }

                char c = text[position++];
                if (c == quote)
                {
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (position >= text.Length)
                {
                    throw Error("unterminated escape in the header literal");
                }

                char escaped = text[position++];
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case '0': builder.Append('\0'); break;
                    case 'x': builder.Append((char)ParseHex(2)); break;
                    case 'u': builder.Append((char)ParseHex(4)); break;
                    case 'U': builder.Append(char.ConvertFromUtf32(ParseHex(8))); break;
                    default: builder.Append(escaped); break;
                }
            }
        }

        private int ParseHex(int digits)
        {
            if (position + digits > text.Length
                || !int.TryParse(
                    text.AsSpan(position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
            {
                throw Error("invalid escape in the header literal");
            }

            position += digits;
            return value;
        }

        private long ParseInteger()
        {
            int start = position;
            if (text[position] is '-' or '+')
            {
                position++;
            }

            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (!long.TryParse(text.AsSpan(start, position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            {
                throw ErrorAt(start, "invalid integer in the header literal");
            }

            // Python 2 wrote long integers with an L suffix, e.g. shapes like (25000L,).
            if (position < text.Length && text[position] is 'L' or 'l')
            {
                position++;
            }

            return value;
        }

        private object? ParseName()
        {
            int start = position;
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }

            string name = text.Substring(start, position - start);
            return name switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ => throw ErrorAt(start, $"unsupported name '{name}' in the header literal"),
            };
        }

        private void SkipWhitespace()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
        }

        private bool TryConsume(char c)
        {
            if (position < text.Length && text[position] == c)
            {
                position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Error(position < text.Length
                    ? $"expected '{c}' but found '{text[position]}' in the header literal"
                    : $"expected '{c}' but the header literal ended");
            }
        }

        private Exception Error(string message) => ErrorAt(position, message);

        private Exception ErrorAt(int position, string message) =>
            NpyReader.Error(source, baseOffset + position, message);
    }
}
