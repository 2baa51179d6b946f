using System;
using System.Collections.Generic;
using System.Globalization;

/// <summary>
/// The translation task, generated in code: a date written as people write it ("Thursday, March 12, 1998",
/// "12 mar 98", "12.03.1998", ...) and the same date in ISO 8601 ("1998-03-12"). Dates run from 1950 to 2049, so a
/// two-digit year is unambiguous (50-99: 19xx, 00-49: 20xx).
/// </summary>
internal static class Dates
{
    private static readonly DateTime First = new(1950, 1, 1);
    private static readonly int Days = (int)(new DateTime(2049, 12, 31) - First).TotalDays + 1;

    private static readonly Func<DateTime, Random, string>[] Formats =
    {
        (d, _) => d.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("MMM d yyyy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("d MMM yy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("dddd, MMMM d, yyyy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture),
        (d, _) => d.ToString("MMMM d yy", CultureInfo.InvariantCulture),
        (d, r) => r.Next(2) == 0 ? d.ToString("yyyy MMM d", CultureInfo.InvariantCulture) : d.ToString("d/M/yyyy", CultureInfo.InvariantCulture),
    };

    /// <summary><paramref name="count"/> (human, ISO) pairs drawn with <paramref name="seed"/>, each human form in
    /// lower, upper or original case.</summary>
    public static List<(string Human, string Iso)> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var pairs = new List<(string, string)>(count);
        for (int i = 0; i < count; i++)
        {
            var date = First.AddDays(random.Next(Days));
            string human = Formats[random.Next(Formats.Length)](date, random);
            human = random.Next(3) switch { 0 => human.ToLowerInvariant(), 1 => human.ToUpperInvariant(), _ => human };
            pairs.Add((human, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }
        return pairs;
    }
}
