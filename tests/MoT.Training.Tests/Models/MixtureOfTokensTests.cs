using MoT.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

public sealed class MixtureOfTokensTests
{
    private static MixtureOfTokens Layer(int dModel, int dff, MixtureOfTokensConfig config, ScalarType dtype = ScalarType.Float64)
    {
        random.manual_seed(7);
        var layer = new MixtureOfTokens(dModel, dff, config, Activation.Relu);
        layer.to(dtype);
        return layer;
    }

    [Fact]
    public void MoT_output_at_position_t_ignores_later_tokens_in_every_example()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var model = new TransformerLM(TorchSetup.Tiny.MoT(experts: 4, group: 4));
        model.to(ScalarType.Float64).eval();
        var tokens = TorchSetup.Tokens(batch: 8, seq: 12, vocab: 50);
        const int changed = 7;
        var altered = tokens.clone();
        // Change position 7 of every example, so every group mixes altered tokens there.
        altered[.., changed] = (altered[.., changed] + 1) % 50;

        using var _ = no_grad();
        var before = model.forward(tokens);
        var after = model.forward(altered);

        Assert.Equal(0, TorchSetup.MaxAbsDifference(before[.., ..changed], after[.., ..changed]), 12);
        Assert.True(TorchSetup.MaxAbsDifference(before[.., changed..], after[.., changed..]) > 1e-6,
            "changing a token must change outputs at its own and later positions");
    }

    [Fact]
    public void MoT_mixes_across_examples_of_a_group_but_not_across_groups()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 2, GroupSize: 2));
        var x = randn(4, 3, 8, dtype: ScalarType.Float64);
        var altered = x.clone();
        altered[0, 1] += 1.0;                       // example 0 is in group {0, 1}

        using var _ = no_grad();
        var before = layer.forward(x);
        var after = layer.forward(altered);
        Assert.True(TorchSetup.MaxAbsDifference(before[1, 1], after[1, 1]) > 1e-6, "group partner must see the change");
        Assert.Equal(0, TorchSetup.MaxAbsDifference(before[2..], after[2..]), 12);
        Assert.Equal(0, TorchSetup.MaxAbsDifference(before[.., 0], after[.., 0]), 12);
    }

    [Fact]
    public void MoT_with_uniform_mixing_weights_equals_the_analytic_group_average()
    {
        using var scope = NewDisposeScope();
        const int d = 6, dff = 8, g = 4, experts = 3;
        var layer = Layer(d, dff, new MixtureOfTokensConfig(experts, g));
        using (no_grad()) layer.Controller.zero_();   // all logits 0 -> every weight is 1/g
        var x = randn(g, 2, d, dtype: ScalarType.Float64);

        using var _ = no_grad();
        var y = layer.forward(x);

        for (var position = 0; position < 2; position++)
        {
            var mean = x[.., position].mean([0]);                            // (d)
            var expected = zeros(d, dtype: ScalarType.Float64);
            for (var e = 0; e < experts; e++)
            {
                var hidden = nn.functional.relu(mean.matmul(layer.ExpertIn[e]));
                expected += hidden.matmul(layer.ExpertOut[e]) / g;
            }
            for (var i = 0; i < g; i++)
                Assert.Equal(0, TorchSetup.MaxAbsDifference(y[i, position], expected), 12);
        }
    }

    [Fact]
    public void MoT_output_is_continuous_in_its_input()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 4, GroupSize: 4));
        var x = randn(8, 5, 8, dtype: ScalarType.Float64);
        var direction = randn(8, 5, 8, dtype: ScalarType.Float64);

        using var _ = no_grad();
        var y = layer.forward(x);
        var changes = new[] { 1e-2, 1e-4, 1e-6 }
            .Select(eps => TorchSetup.MaxAbsDifference(layer.forward(x + eps * direction), y) / eps)
            .ToArray();

        // Continuous and piecewise smooth: the change shrinks in proportion to the perturbation.
        Assert.All(changes, ratio => Assert.True(ratio < 100, $"output change per unit input {ratio} is unbounded"));
        Assert.True(Math.Abs(changes[1] - changes[2]) < 0.05 * changes[2] + 1e-9,
            $"difference quotients must converge: {string.Join(", ", changes)}");
    }

    [Fact]
    public void MoT_gradients_reach_every_expert_and_the_controller()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 4, GroupSize: 4, LearnableTemperature: true));
        var x = randn(8, 5, 8, dtype: ScalarType.Float64);

        layer.forward(x).square().sum().backward();

        var perExpertIn = layer.ExpertIn.grad!.abs().sum([1, 2]);
        var perExpertOut = layer.ExpertOut.grad!.abs().sum([1, 2]);
        for (var e = 0; e < 4; e++)
        {
            Assert.True(perExpertIn[e].item<double>() > 0, $"expert {e} input weights got no gradient");
            Assert.True(perExpertOut[e].item<double>() > 0, $"expert {e} output weights got no gradient");
        }
        Assert.True(layer.Controller.grad!.abs().sum().item<double>() > 0, "controller got no gradient");
        var theta = layer.named_parameters().Single(p => p.name == "temperature_theta").parameter;
        Assert.True(theta.grad!.abs().item<double>() > 0, "learnable temperature got no gradient");
    }

    [Fact]
    public void MoT_with_group_size_one_and_one_expert_is_the_dense_FFN_with_the_same_weights()
    {
        using var scope = NewDisposeScope();
        const int d = 8, dff = 16;
        var mot = Layer(d, dff, new MixtureOfTokensConfig(Experts: 1, GroupSize: 1));
        var dense = new DenseFeedForward(d, dff, Activation.Relu);
        dense.to(ScalarType.Float64);
        using (no_grad())
        {
            var weights = dense.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            weights["up.weight"].copy_(mot.ExpertIn[0].t());       // Linear stores (out, in)
            weights["down.weight"].copy_(mot.ExpertOut[0].t());
        }
        var x = randn(3, 5, d, dtype: ScalarType.Float64);

        using var _ = no_grad();
        Assert.Equal(0, TorchSetup.MaxAbsDifference(mot.forward(x), dense.forward(x)), 12);
    }

    [Fact]
    public void MoT_padding_rows_masked_out_of_the_softmax_do_not_change_real_rows()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 2, GroupSize: 4));
        var x = randn(4, 3, 8, dtype: ScalarType.Float64);
        var mask = tensor(new[] { true, true, false, false });
        var otherPadding = x.clone();
        otherPadding[2..] = randn(2, 3, 8, dtype: ScalarType.Float64) * 10;

        using var _ = no_grad();
        var a = layer.Apply(x, mask).Output;
        var b = layer.Apply(otherPadding, mask).Output;
        Assert.Equal(0, TorchSetup.MaxAbsDifference(a[..2], b[..2]), 12);
        // Without the mask the padding leaks into real rows (the known weakness the mask fixes).
        Assert.True(TorchSetup.MaxAbsDifference(layer.forward(x)[..2], layer.forward(otherPadding)[..2]) > 1e-6);
    }

    [Fact]
    public void MoT_discrete_evaluation_routes_each_mixture_to_one_token()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 2, GroupSize: 4, DiscreteEvaluation: true));
        layer.eval();
        var x = randn(4, 2, 8, dtype: ScalarType.Float64);

        using var _ = no_grad();
        var diagnostics = layer.Apply(x).Diagnostics!;
        Assert.Equal(1.0, diagnostics.ExpertLoad.min().item<double>(), 12);   // peak weight is exactly 1
        Assert.Equal(0.0, diagnostics.Entropy.item<double>(), 9);
    }

    [Fact]
    public void MoT_group_made_only_of_padding_returns_zeros_and_finite_gradients()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 2, GroupSize: 4, LearnableTemperature: true));
        var x = randn(8, 3, 8, dtype: ScalarType.Float64).requires_grad_(true);
        var mask = tensor(new[] { true, true, false, true, false, false, false, false });   // group 2 is all padding

        var y = layer.Apply(x, mask).Output;
        y.square().sum().backward();

        Assert.False(y.isnan().any().item<bool>(), "NaN in the output");
        Assert.Equal(0, y[4..].abs().max().item<double>());
        Assert.True(y[..4].abs().max().item<double>() > 0);
        foreach (var (name, parameter) in layer.named_parameters())
            Assert.True(parameter.grad!.isfinite().all().item<bool>(), $"{name} got a non-finite gradient");
        Assert.True(x.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void MoT_discrete_evaluation_gives_padding_no_weight()
    {
        using var scope = NewDisposeScope();
        var layer = Layer(8, 16, new MixtureOfTokensConfig(Experts: 2, GroupSize: 4, DiscreteEvaluation: true));
        layer.eval();
        var x = randn(8, 3, 8, dtype: ScalarType.Float64);
        var mask = tensor(new[] { true, false, false, false, false, false, false, false });
        var otherPadding = x.clone();
        otherPadding[1..] = randn(7, 3, 8, dtype: ScalarType.Float64) * 10;

        using var _ = no_grad();
        var a = layer.Apply(x, mask).Output;
        Assert.Equal(0, TorchSetup.MaxAbsDifference(a[..1], layer.Apply(otherPadding, mask).Output[..1]), 12);
        Assert.Equal(0, a[4..].abs().max().item<double>());
    }
}
