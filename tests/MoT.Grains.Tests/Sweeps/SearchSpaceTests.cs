using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Grains.Sweeps;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Sweeps;

public sealed class SearchSpaceTests
{
    private static SweepSpec Spec(SearchMethod method, IReadOnlyList<SearchParameter> space, int? maxRuns = null, int seed = 7) =>
        new("alice", TestConfigs.Run(), space, method, MaxConcurrentRuns: 2, MaxRuns: maxRuns, Seed: seed);

    private static readonly SearchParameter Family = new("model.family", ParameterKind.Choice, ["Dense", "MoT", "TokenChoice"]);
    private static readonly SearchParameter Experts = new("model.experts", ParameterKind.Choice, ["8", "32"],
        Condition: new ParameterCondition("model.family", ["MoT", "TokenChoice"]));

    [Fact]
    public void Grid_expands_to_the_product_of_all_values()
    {
        var spec = Spec(SearchMethod.Grid, [
            new("training.lr", ParameterKind.Choice, ["1e-3", "3e-4", "1e-4"]),
            new("training.batch_size", ParameterKind.Int, Low: 16, High: 64, Step: 16),
        ]);

        var plans = SearchSpace.ExpandGrid(spec);

        Assert.Equal(3 * 4, plans.Count);
        Assert.Equal(12, plans.Select(p => p.ConfigJson).Distinct().Count());
        Assert.Contains(plans, p => p.Values["training.batch_size"]!.GetValue<long>() == 64);
    }

    [Fact]
    public void Conditional_parameter_multiplies_only_where_its_condition_holds()
    {
        var plans = SearchSpace.ExpandGrid(Spec(SearchMethod.Grid, [Family, Experts]));

        // Dense once, MoT and TokenChoice twice each (8 and 32 experts).
        Assert.Equal(5, plans.Count);
        var dense = Assert.Single(plans, p => p.Values["model.family"]!.GetValue<string>() == "Dense");
        Assert.False(dense.Values.ContainsKey("model.experts"));
        Assert.Null(JsonNode.Parse(dense.ConfigJson)!["model"]!["experts"]);
        Assert.All(plans.Where(p => p.Values["model.family"]!.GetValue<string>() != "Dense"),
            p => Assert.Contains(p.Values["model.experts"]!.GetValue<int>(), new[] { 8, 32 }));
    }

    [Fact]
    public void Random_sampling_is_reproducible_by_seed_and_stays_in_bounds()
    {
        SearchParameter[] space = [
            new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-2),
            new("training.dropout", ParameterKind.Uniform, Low: 0, High: 0.5),
            new("model.layers", ParameterKind.Int, Low: 2, High: 12, Step: 2),
            Family,
            Experts,
        ];
        var first = Enumerable.Range(0, 20).Select(i => SearchSpace.SampleRandom(Spec(SearchMethod.Random, space, 20, seed: 42), i).ConfigJson).ToList();
        var again = Enumerable.Range(0, 20).Select(i => SearchSpace.SampleRandom(Spec(SearchMethod.Random, space, 20, seed: 42), i).ConfigJson).ToList();
        var other = Enumerable.Range(0, 20).Select(i => SearchSpace.SampleRandom(Spec(SearchMethod.Random, space, 20, seed: 43), i).ConfigJson).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        foreach (var json in first)
        {
            var config = JsonNode.Parse(json)!;
            var lr = config["training"]!["lr"]!.GetValue<double>();
            Assert.InRange(lr, 1e-5, 1e-2);
            Assert.InRange(config["training"]!["dropout"]!.GetValue<double>(), 0, 0.5);
            Assert.Contains(config["model"]!["layers"]!.GetValue<long>(), new long[] { 2, 4, 6, 8, 10, 12 });
            var family = config["model"]!["family"]!.GetValue<string>();
            Assert.Equal(family != "Dense", config["model"]!["experts"] is not null);
        }
    }

    [Fact]
    public void Invalid_spec_lists_every_problem_by_field_path()
    {
        var spec = new SweepSpec(
            Owner: "",
            BaseConfigJson: "{ not json",
            SearchSpace: [
                new("training.lr", ParameterKind.LogUniform, Low: 0, High: 1e-2),
                new("training.dropout", ParameterKind.Uniform, Low: 0.5, High: 0.1),
                new("model.family", ParameterKind.Choice, []),
                new("model.experts", ParameterKind.Int, Low: 4, High: 64, Step: 0, Condition: new ParameterCondition("model.kind", ["MoT"])),
                new("training.lr", ParameterKind.Choice, ["1"]),
            ],
            Method: SearchMethod.Random,
            MaxConcurrentRuns: 0,
            MaxRuns: null,
            EarlyStopping: new AshaSettings(MinSteps: 0, ReductionFactor: 1, MaxSteps: 0));

        var paths = SearchSpace.Validate(spec).Select(e => e.Path).ToHashSet();

        Assert.Equal(
            new HashSet<string>
            {
                "owner", "baseConfigJson", "maxConcurrentRuns", "maxRuns",
                "searchSpace[0].low", "searchSpace[1].high", "searchSpace[2].values",
                "searchSpace[3].step", "searchSpace[3].condition.path", "searchSpace[4].path",
                "earlyStopping.minSteps", "earlyStopping.reductionFactor", "earlyStopping.maxSteps",
            },
            paths);
    }

    [Fact]
    public void Grid_with_a_continuous_parameter_or_over_budget_is_rejected()
    {
        var continuous = Spec(SearchMethod.Grid, [new("training.lr", ParameterKind.Uniform, Low: 0.1, High: 0.2)]);
        var overBudget = Spec(SearchMethod.Grid, [new("training.lr", ParameterKind.Choice, ["1", "2", "3"])], maxRuns: 2);

        Assert.Equal("searchSpace[0].kind", Assert.Single(SearchSpace.Validate(continuous)).Path);
        var error = Assert.Single(SearchSpace.Validate(overBudget));
        Assert.Equal("maxRuns", error.Path);
        Assert.Contains("3 runs", error.Message);
    }
}
