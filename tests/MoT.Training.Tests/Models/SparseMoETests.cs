using MoT.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

public sealed class SparseMoETests
{
    [Fact]
    public void Token_choice_capacity_is_exact_floor_of_cf_times_tokens_times_k_over_experts()
    {
        Assert.Equal(10, TokenChoiceMoE.Capacity(32, new TokenChoiceConfig(Experts: 4, CapacityFactor: 1.25)));
        Assert.Equal(20, TokenChoiceMoE.Capacity(32, new TokenChoiceConfig(Experts: 4, TopK: 2, CapacityFactor: 1.25)));
        Assert.Equal(32, TokenChoiceMoE.Capacity(32, new TokenChoiceConfig(Experts: 2, CapacityFactor: 10)));
    }

    [Fact]
    public void Token_choice_keeps_exactly_capacity_tokens_in_token_order_and_drops_the_overflow()
    {
        using var scope = NewDisposeScope();
        const int d = 8, experts = 4;
        var config = new TokenChoiceConfig(experts, ExpertSize: 16, CapacityFactor: 1.0);
        // GELU: an expert's output is never exactly zero, so zero output means "dropped".
        var layer = new TokenChoiceMoE(d, 16, config, Activation.Gelu);
        layer.to(ScalarType.Float64);
        // Every token prefers expert 0: a positive first feature and a router that reads only it.
        using (no_grad())
        {
            layer.Router.zero_();
            layer.Router[0, 0] = 10.0;
        }
        var x = randn(2, 8, d, dtype: ScalarType.Float64);
        x[.., .., 0] = x[.., .., 0].abs() + 1;
        var tokens = 16;
        var capacity = TokenChoiceMoE.Capacity(tokens, config);   // floor(1.0 * 16 / 4) = 4

        using var _ = no_grad();
        var result = layer.Apply(x);
        var processed = result.Output.reshape(tokens, d).abs().sum(-1).gt(0);

        Assert.Equal(4, capacity);
        Assert.Equal(Enumerable.Range(0, tokens).Select(i => i < capacity).ToArray(), processed.data<bool>().ToArray());
        Assert.Equal((tokens - capacity) / (double)tokens, result.Diagnostics!.DroppedFraction.item<float>(), 6);
        Assert.Equal(1.0, result.Diagnostics.ExpertLoad[0].item<double>(), 9);   // counted before drops
    }

    [Fact]
    public void Token_choice_output_is_the_gate_weighted_expert_output_of_each_kept_token()
    {
        using var scope = NewDisposeScope();
        const int d = 6, experts = 3;
        var layer = new TokenChoiceMoE(d, 8, new TokenChoiceConfig(experts, ExpertSize: 8, CapacityFactor: 100), Activation.Relu);
        layer.to(ScalarType.Float64);
        var x = randn(1, 5, d, dtype: ScalarType.Float64);

        using var _ = no_grad();
        var y = layer.forward(x);
        var probabilities = x[0].matmul(layer.Router).softmax(-1);
        for (var t = 0; t < 5; t++)
        {
            var e = probabilities[t].argmax().item<long>();
            var expected = nn.functional.relu(x[0, t].matmul(layer.ExpertIn[e])).matmul(layer.ExpertOut[e]) * probabilities[t, e];
            Assert.Equal(0, TorchSetup.MaxAbsDifference(y[0, t], expected), 12);
        }
    }

    [Fact]
    public void Token_choice_load_balancing_loss_is_alpha_when_routing_is_uniform()
    {
        using var scope = NewDisposeScope();
        var layer = new TokenChoiceMoE(4, 8, new TokenChoiceConfig(Experts: 2, LoadBalancingWeight: 0.01), Activation.Relu);
        using (no_grad()) layer.Router.zero_();   // p = 1/2 everywhere; top-1 ties go to expert 0
        var result = layer.Apply(randn(2, 4, 4));
        // alpha * E * sum_e (1/E) * count_e / N = alpha * sum_e count_e / N = alpha.
        Assert.Equal(0.01, result.AuxiliaryLoss!.item<float>(), 6);
    }

    [Fact]
    public void Expert_choice_gives_each_expert_exactly_C_distinct_tokens_per_group()
    {
        using var scope = NewDisposeScope();
        const int experts = 3, group = 4, capacity = 2;
        var layer = new ExpertChoiceMoE(8, 16, new ExpertChoiceConfig(experts, group, capacity), Activation.Relu);
        var x = randn(8, 5, 8);

        using var _ = no_grad();
        var (result, chosen) = layer.Route(x);

        Assert.Equal(new long[] { 8 / group * 5, capacity, experts }, chosen.shape);
        var perExpert = chosen.permute(0, 2, 1).reshape(-1, capacity);          // (N*E, C)
        foreach (var row in Enumerable.Range(0, (int)perExpert.shape[0]))
        {
            var picks = perExpert[row].data<long>().ToArray();
            Assert.Equal(capacity, picks.Distinct().Count());
            Assert.All(picks, p => Assert.InRange(p, 0, group - 1));
        }
        Assert.Equal(x.shape, result.Output.shape);
    }

    [Fact]
    public void Expert_choice_output_at_position_t_ignores_later_tokens()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var config = TorchSetup.Tiny.Dense() with
        {
            FeedForward = FeedForwardKind.ExpertChoice, ExpertChoice = new ExpertChoiceConfig(4, GroupSize: 4),
        };
        var model = new TransformerLM(config);
        model.to(ScalarType.Float64).eval();
        var tokens = TorchSetup.Tokens(4, 10, 50);
        var altered = tokens.clone();
        altered[.., 6] = (altered[.., 6] + 1) % 50;

        using var _ = no_grad();
        Assert.Equal(0, TorchSetup.MaxAbsDifference(model.forward(tokens)[.., ..6], model.forward(altered)[.., ..6]), 12);
    }

    [Fact]
    public void Token_choice_with_capacity_lets_a_later_token_change_earlier_positions_of_other_sequences()
    {
        // Capacity is shared by all B*S tokens in token order: changing position 6 of sequence 0 can change
        // which tokens of sequences 1..3 are dropped, at every one of their positions, earlier ones included.
        using var scope = NewDisposeScope();
        var config = TorchSetup.Tiny.Dense() with
        {
            FeedForward = FeedForwardKind.TokenChoice, TokenChoice = new TokenChoiceConfig(4, CapacityFactor: 0.5),
        };
        var model = new TransformerLM(config, seed: 3);
        model.to(ScalarType.Float64).eval();
        var tokens = TorchSetup.Tokens(4, 10, 50);
        using var _ = no_grad();
        var before = model.forward(tokens);

        var largest = Enumerable.Range(1, 49).Max(shift =>
        {
            var altered = tokens.clone();
            altered[0, 6] = (altered[0, 6] + shift) % 50;
            var after = model.forward(altered);
            Assert.Equal(0, TorchSetup.MaxAbsDifference(before[0, ..6], after[0, ..6]), 12);   // causal within its own sequence
            return TorchSetup.MaxAbsDifference(before[1.., ..6], after[1.., ..6]);
        });
        Assert.True(largest > 1e-3, $"later token never moved earlier positions of other sequences (largest change {largest})");
    }
}
