using System.Collections.Generic;
using System.Linq;

/// <summary>
/// The stacked-RNN example's synthetic reviews as text, so that the served model takes sentences: ids 1-20 become
/// positive words, 21-40 negative words, the others neutral words ("w41" ...). The tokenizer fitted on these texts
/// numbers the words by frequency, as Keras's does.
/// </summary>
internal static class SentimentTexts
{
    private static readonly string[] Positive =
    {
        "good", "great", "fine", "superb", "lovely", "brilliant", "wonderful", "excellent", "fun", "moving",
        "clever", "charming", "gripping", "beautiful", "witty", "delightful", "stunning", "touching", "enjoyable", "perfect",
    };

    private static readonly string[] Negative =
    {
        "bad", "awful", "dull", "boring", "weak", "poor", "terrible", "messy", "bland", "silly",
        "tedious", "clumsy", "flat", "lame", "painful", "forgettable", "annoying", "shallow", "slow", "horrible",
    };

    public static string Word(int id) => id <= 20 ? Positive[id - 1] : id <= 40 ? Negative[id - 21] : "w" + id;

    public static List<string> ToTexts(IEnumerable<int[]> reviews) => reviews.Select(r => string.Join(' ', r.Select(Word))).ToList();
}
