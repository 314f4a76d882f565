using MoT.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

/// <summary>
/// The initial weights, tensor by tensor, against the paper's rule written out here independently of the
/// model code: truncated normal N(0, 0.1 / fan_in) cut at 2 std, fan_in read off each tensor's role.
/// </summary>
public sealed class InitialisationTests
{
    public static TheoryData<string> TinyPresets => new() { "Transformer-Tiny", "MoT-Tiny/8E", "TokenChoice-Tiny/8E", "ExpertChoice-Tiny/8E" };

    // Standard deviation of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)), with
    // P(|Z| <= 2) = 0.9544997361036416 from tables; independent of WeightInit's constant.
    private static readonly double TruncatedRatio =
        Math.Sqrt(1 - 4 * (Math.Exp(-2) / Math.Sqrt(2 * Math.PI)) / 0.9544997361036416);

    /// <summary>The spec's fan_in for a weight matrix, from its name and shape (null: not a weight matrix).</summary>
    private static long FanIn(string name, long[] shape) => name switch
    {
        _ when name is "token_embedding.weight" or "position_embedding.weight" => 1,   // paper's code: embeddings fan_in 1
        _ when name.EndsWith(".controller") || name.EndsWith(".router") => shape[0],   // (d, E): fan_in d_model
        _ when name.EndsWith(".expert_in") || name.EndsWith(".expert_out") => shape[1], // (E, in, out): fan_in = in
        _ when name.EndsWith(".weight") && shape.Length == 2 => shape[1],             // projections store (out, in)
        _ => throw new InvalidOperationException($"no init rule in this test for '{name}' [{string.Join(", ", shape)}]"),
    };

    internal static TransformerLM Build(string preset, long seed = 1) => new(ModelPresets.Get(preset).Config with { VocabSize = 256 }, seed);

    [Theory]
    [MemberData(nameof(TinyPresets))]
    public void Every_weight_matrix_has_the_papers_std_and_no_value_beyond_the_cut(string preset)
    {
        using var scope = NewDisposeScope();
        using var model = Build(preset);
        var report = new List<string>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (parameter.dim() < 2) continue;
            var values = parameter.detach().to(ScalarType.Float64);
            var nominal = Math.Sqrt(0.1 / FanIn(name, parameter.shape));
            var expected = nominal * TruncatedRatio;
            var std = values.std().item<double>();
            var mean = values.mean().item<double>();
            var largest = values.abs().max().item<double>();
            report.Add($"{name}: std {std:G4} target {expected:G4} ({std / expected - 1:P1}), max |w| {largest / nominal:F3} std");
            Assert.True(Math.Abs(std / expected - 1) < 0.05, $"{preset} {name}: sample std {std} vs target {expected}\n{string.Join("\n", report)}");
            Assert.True(largest <= 2 * nominal, $"{preset} {name}: |w| = {largest} beyond the cut {2 * nominal}");
            Assert.True(Math.Abs(mean) < 5 * expected / Math.Sqrt(values.numel()), $"{preset} {name}: mean {mean} is not 0");
        }
    }

    [Theory]
    [MemberData(nameof(TinyPresets))]
    public void Vectors_start_at_their_constants_LayerNorm_gain_one_bias_zero(string preset)
    {
        using var scope = NewDisposeScope();
        using var model = Build(preset);
        foreach (var (name, parameter) in model.named_parameters().Where(p => p.parameter.dim() < 2))
        {
            var expected = name.EndsWith(".weight") ? 1.0 : name.EndsWith(".bias") ? 0.0
                : throw new InvalidOperationException($"no init rule in this test for '{name}'");
            Assert.True(parameter.eq(expected).all().item<bool>(), $"{preset} {name} is not all {expected}");
        }
    }

    [Fact]
    public void A_learnable_temperature_starts_at_theta_one()
    {
        using var scope = NewDisposeScope();
        var config = ModelPresets.Get("MoT-Tiny/8E").Config;
        using var model = new TransformerLM(config with
        {
            MixtureOfTokens = config.MixtureOfTokens! with { LearnableTemperature = true, TemperaturePerExpert = true },
        });
        var thetas = model.named_parameters().Where(p => p.name.EndsWith("temperature_theta")).ToList();
        Assert.Equal(2, thetas.Count);
        Assert.All(thetas, t => Assert.True(t.parameter.eq(1.0).all().item<bool>()));
    }

    [Theory]
    [InlineData("MoT-Tiny/8E")]
    [InlineData("TokenChoice-Tiny/8E")]
    [InlineData("ExpertChoice-Tiny/8E")]
    public void Experts_are_pairwise_independent_draws(string preset)
    {
        using var scope = NewDisposeScope();
        using var model = Build(preset);
        foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.Contains("expert_")))
        {
            var w = parameter.detach().to(ScalarType.Float64);
            var expected = Math.Sqrt(2) * w.std().item<double>();   // rms difference of two independent draws
            for (var i = 0; i < w.shape[0]; i++)
            for (var j = i + 1; j < w.shape[0]; j++)
            {
                var rms = (w[i] - w[j]).square().mean().sqrt().item<double>();
                Assert.True(Math.Abs(rms / expected - 1) < 0.05, $"{preset} {name}: experts {i} and {j} differ by rms {rms}, independent draws give {expected}");
            }
        }
    }

    [Fact]
    public void The_MoT_controller_and_every_expert_matrix_have_full_rank()
    {
        using var scope = NewDisposeScope();
        using var model = Build("MoT-Tiny/8E");
        foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.Contains("controller") || p.name.Contains("expert_")))
        {
            var matrices = parameter.dim() == 2 ? parameter.unsqueeze(0) : parameter;
            for (var e = 0; e < matrices.shape[0]; e++)
            {
                var m = matrices[e].detach().to(ScalarType.Float64);
                var rank = linalg.matrix_rank(m).item<long>();
                Assert.True(rank == Math.Min(m.shape[0], m.shape[1]), $"{name}[{e}] has rank {rank} of {Math.Min(m.shape[0], m.shape[1])}");
            }
        }
    }

    [Fact]
    public void The_seed_alone_decides_the_weights()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var first = Build("MoT-Tiny/8E", seed: 42);
        random.manual_seed(2);
        _ = randn(1000);
        using var second = Build("MoT-Tiny/8E", seed: 42);
        using var other = Build("MoT-Tiny/8E", seed: 43);

        Assert.Empty(DifferingTensors(first, second));
        // Every weight matrix differs with another seed (vectors are constants).
        Assert.Equal(first.named_parameters().Count(p => p.parameter.dim() >= 2), DifferingTensors(first, other).Count);
    }

    [Fact]
    public async Task The_same_seed_on_two_threads_at_once_equals_each_alone_while_a_third_draws_from_the_global_RNG()
    {
        Tensor Snapshot(TransformerLM model) => cat(model.parameters().Select(p => p.detach().reshape(-1)).ToArray()).clone();

        using var alone = Build("MoT-Tiny/8E", seed: 7);
        using var aloneWeights = Snapshot(alone);
        using var stop = new CancellationTokenSource();
        var cancel = TestContext.Current.CancellationToken;
        var disturber = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var s = NewDisposeScope();
                random.manual_seed(Environment.TickCount);
                _ = randn(4096).sum();
            }
        }, cancel);
        using var start = new Barrier(2);
        var builds = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            using var model = Build("MoT-Tiny/8E", seed: 7);
            return Snapshot(model);
        }, cancel)).ToArray();
        var built = await Task.WhenAll(builds).WaitAsync(TimeSpan.FromMinutes(5), cancel);
        stop.Cancel();
        await disturber.WaitAsync(TimeSpan.FromMinutes(1), cancel);

        foreach (var weights in built)
        {
            Assert.True(TorchSetup.Identical(weights, aloneWeights), "a model built on a busy thread differs from the same seed built alone");
            weights.Dispose();
        }
    }

    private static List<string> DifferingTensors(TransformerLM a, TransformerLM b)
    {
        var other = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return a.named_parameters().Where(p => !TorchSetup.Identical(p.parameter, other[p.name])).Select(p => p.name).ToList();
    }
}

/// <summary>Reads torch's process-wide RNG twice, so it runs while no other test class draws from it.</summary>
[Collection(MoT.Training.Tests.Training.BitExactCollection.Name)]
public sealed class InitialisationGlobalRngTests
{
    [Fact]
    public void Building_a_model_draws_nothing_from_the_global_RNG()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(123);
        var expected = randn(16);
        random.manual_seed(123);
        using (InitialisationTests.Build("MoT-Tiny/8E")) { }
        Assert.True(TorchSetup.Identical(randn(16), expected), "constructing a model advanced torch's process-wide RNG");
    }
}
