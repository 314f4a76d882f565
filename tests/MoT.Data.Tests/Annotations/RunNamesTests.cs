using System.Text.RegularExpressions;
using MoT.Data.Annotations;

namespace MoT.Data.Tests.Annotations;

public sealed partial class RunNamesTests
{
    [GeneratedRegex("^[a-z]+-[a-z]+-[0-9]{3}$")]
    private static partial Regex Readable();

    [Fact]
    public void A_run_id_always_gets_the_same_readable_name()
    {
        var id = Guid.Parse("0b7c6f1e-4a53-4d8e-9b1c-2f3e4d5a6b7c");

        var name = RunNames.For(id);

        Assert.Matches(Readable(), name);
        Assert.Equal(name, RunNames.For(Guid.Parse(id.ToString())));
        Assert.True(name.Length <= 30, name);
    }

    [Fact]
    public void Among_100k_random_ids_fewer_than_one_percent_share_a_name()
    {
        var random = new Random(42);
        var ids = Enumerable.Range(0, 100_000).Select(_ => new Guid(random.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 16))).ToList();

        var names = ids.Select(RunNames.For).ToList();

        Assert.All(names.Take(1000), n => Assert.Matches(Readable(), n));
        var shared = names.GroupBy(n => n).Where(g => g.Count() > 1).Sum(g => g.Count());
        TestContext.Current.TestOutputHelper?.WriteLine($"{shared} of {names.Count} ids share a name ({shared / (double)names.Count:P2})");
        // 16.4M names: the birthday estimate is 1 - exp(-100k / 16.4M) = 0.6%.
        Assert.InRange(shared / (double)names.Count, 0.0, 0.01);
    }

    [Fact]
    public void Sequential_ids_spread_over_every_word_evenly()
    {
        // Ids that differ only in their last bytes (sequential ids of some databases) must not share words.
        var ids = Enumerable.Range(0, 50_000).Select(i => new Guid(i, 0, 0, new byte[8])).ToList();

        var words = ids.Select(id => RunNames.For(id).Split('-')).ToList();

        var adjectives = words.GroupBy(w => w[0]).ToDictionary(g => g.Key, g => g.Count());
        var nouns = words.GroupBy(w => w[1]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(128, adjectives.Count);
        Assert.Equal(128, nouns.Count);
        // Each word expected 50k/128 = 390 times; a fair spread stays well within +-30%.
        Assert.All(adjectives.Values.Concat(nouns.Values), count => Assert.InRange(count, 273, 508));
        Assert.Equal(1000, words.Select(w => w[2]).Distinct().Count());
    }

    [Fact]
    public void A_given_name_wins_over_the_generated_one()
    {
        var id = Guid.NewGuid();
        Assert.Equal("lr sweep baseline", RunNames.Display(id, "lr sweep baseline"));
        Assert.Equal(RunNames.For(id), RunNames.Display(id, null));
        Assert.Equal(RunNames.For(id), RunNames.Display(id, "  "));
    }
}
