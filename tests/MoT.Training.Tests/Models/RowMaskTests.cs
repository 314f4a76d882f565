using MoT.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

/// <summary>A short last batch padded through the whole model: padding rows must not reach real rows.</summary>
public sealed class RowMaskTests
{
    public static TheoryData<FeedForwardKind> Kinds => new()
    {
        FeedForwardKind.Dense, FeedForwardKind.MixtureOfTokens, FeedForwardKind.TokenChoice, FeedForwardKind.ExpertChoice,
    };

    private static ModelConfig ConfigOf(FeedForwardKind kind) => kind switch
    {
        FeedForwardKind.MixtureOfTokens => TorchSetup.Tiny.MoT(experts: 4, group: 4),
        FeedForwardKind.TokenChoice => TorchSetup.Tiny.Dense() with { FeedForward = kind, TokenChoice = new TokenChoiceConfig(4, CapacityFactor: 0.5) },
        FeedForwardKind.ExpertChoice => TorchSetup.Tiny.Dense() with { FeedForward = kind, ExpertChoice = new ExpertChoiceConfig(4, 4) },
        _ => TorchSetup.Tiny.Dense(),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Padding_rows_do_not_change_the_real_rows_outputs(FeedForwardKind kind)
    {
        using var scope = NewDisposeScope();
        var model = new TransformerLM(ConfigOf(kind), seed: 2);
        model.to(ScalarType.Float64).eval();
        // 3 real rows padded to 8: group 0 is part padding, group 1 is only padding.
        var mask = tensor(new[] { true, true, true, false, false, false, false, false });
        var tokens = TorchSetup.Tokens(8, 10, 50, seed: 1);
        var otherPadding = tokens.clone();
        otherPadding[3..] = TorchSetup.Tokens(5, 10, 50, seed: 2);

        using var _ = no_grad();
        var a = model.Run(tokens, mask).Logits;
        var b = model.Run(otherPadding, mask).Logits;

        Assert.False(a.isnan().any().item<bool>(), "NaN in the logits");
        Assert.Equal(0, TorchSetup.MaxAbsDifference(a[..3], b[..3]), 12);
        if (kind == FeedForwardKind.TokenChoice)   // any batch size goes through Token Choice: padded equals unpadded
            Assert.Equal(0, TorchSetup.MaxAbsDifference(a[..3], model.forward(tokens[..3])), 12);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_batch_of_only_padding_goes_through_without_NaN(FeedForwardKind kind)
    {
        using var scope = NewDisposeScope();
        var model = new TransformerLM(ConfigOf(kind), seed: 2);
        model.eval();
        using var _ = no_grad();
        var logits = model.Run(TorchSetup.Tokens(8, 10, 50), zeros(8, dtype: ScalarType.Bool)).Logits;
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void A_row_mask_of_the_wrong_shape_is_refused_with_its_shape()
    {
        using var scope = NewDisposeScope();
        var model = new TransformerLM(ConfigOf(FeedForwardKind.MixtureOfTokens));
        var error = Assert.Throws<ArgumentException>(() => model.Run(TorchSetup.Tokens(8, 4, 50), ones(7, dtype: ScalarType.Bool)));
        Assert.Contains("row mask", error.Message);
    }
}
