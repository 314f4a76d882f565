using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Grains.Sweeps;

namespace MoT.Grains.Tests.Sweeps;

public sealed class TpeSamplerTests
{
    private static readonly SearchParameter[] Space = [
        new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-1),
        new("training.dropout", ParameterKind.Uniform, Low: 0, High: 0.9),
        new("model.layers", ParameterKind.Int, Low: 2, High: 16, Step: 2),
        new("model.family", ParameterKind.Choice, ["Dense", "MoT", "TokenChoice"]),
    ];

    /// <summary>A smooth toy loss with its minimum at lr 1e-3, dropout 0.3, 8 layers, MoT.</summary>
    private static double Objective(IReadOnlyDictionary<string, JsonNode?> v)
    {
        var lr = v["training.lr"]!.GetValue<double>();
        var dropout = v["training.dropout"]!.GetValue<double>();
        var layers = v["model.layers"]!.GetValue<long>();
        var family = v["model.family"]!.GetValue<string>();
        return Math.Pow(Math.Log10(lr) + 3, 2) + (10 * Math.Pow(dropout - 0.3, 2)) + (0.05 * Math.Pow(layers - 8, 2)) + (family == "MoT" ? 0 : 0.5);
    }

    private static double BestAfter(int trials, int seed, bool useTpe)
    {
        var sampler = new TpeSampler(Space, seed, startupTrials: 8);
        var spec = new SweepSpec("t", "{}", Space, SearchMethod.Random, MaxRuns: trials, Seed: seed);
        var history = new List<TpeObservation>();
        for (var i = 0; i < trials; i++)
        {
            var plan = useTpe ? sampler.Propose(i, history, new JsonObject()) : SearchSpace.SampleRandom(spec, i);
            history.Add(new TpeObservation(plan.Values, Objective(plan.Values)));
        }

        return history.Min(h => h.Loss);
    }

    [Fact]
    public void Tpe_proposals_stay_within_bounds_and_on_the_int_step_grid()
    {
        var sampler = new TpeSampler(Space, seed: 3, startupTrials: 4);
        var history = new List<TpeObservation>();
        for (var i = 0; i < 40; i++)
        {
            var plan = sampler.Propose(i, history, new JsonObject());
            Assert.InRange(plan.Values["training.lr"]!.GetValue<double>(), 1e-5, 1e-1);
            Assert.InRange(plan.Values["training.dropout"]!.GetValue<double>(), 0, 0.9);
            var layers = plan.Values["model.layers"]!.GetValue<long>();
            Assert.InRange(layers, 2, 16);
            Assert.Equal(0, layers % 2);
            Assert.Contains(plan.Values["model.family"]!.GetValue<string>(), new[] { "Dense", "MoT", "TokenChoice" });
            history.Add(new TpeObservation(plan.Values, Objective(plan.Values)));
        }
    }

    [Fact]
    public void Tpe_finds_a_better_toy_optimum_than_random_search_with_the_same_budget()
    {
        var seeds = Enumerable.Range(1, 10).ToArray();
        var tpe = seeds.Select(s => BestAfter(40, s, useTpe: true)).ToArray();
        var random = seeds.Select(s => BestAfter(40, s, useTpe: false)).ToArray();

        Assert.True(tpe.Average() < random.Average(),
            $"TPE mean best {tpe.Average():F4} should beat random {random.Average():F4}");
        Assert.True(tpe.Zip(random).Count(p => p.First < p.Second) >= 6,
            $"TPE should win on most seeds: tpe [{string.Join(", ", tpe.Select(x => x.ToString("F3")))}] random [{string.Join(", ", random.Select(x => x.ToString("F3")))}]");
    }

    [Fact]
    public void Tpe_is_deterministic_for_the_same_seed_and_history()
    {
        var history = Enumerable.Range(0, 12)
            .Select(i => new TpeSampler(Space, 9).Propose(i, [], new JsonObject()))
            .Select(p => new TpeObservation(p.Values, Objective(p.Values)))
            .ToList();

        var a = new TpeSampler(Space, 5).Propose(12, history, new JsonObject());
        var b = new TpeSampler(Space, 5).Propose(12, history, new JsonObject());

        Assert.Equal(a.ConfigJson, b.ConfigJson);
    }
}
