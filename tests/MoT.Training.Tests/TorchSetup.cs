using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests;

/// <summary>Small shared builders so each test states only what it varies.</summary>
internal static class TorchSetup
{
    public static ModelConfigBuilder Tiny => new();

    /// <summary>Random (B, S) token ids below <paramref name="vocab"/>.</summary>
    public static Tensor Tokens(int batch, int seq, int vocab, long seed = 1)
    {
        var generator = new Generator((ulong)seed);
        return randint(0, vocab, [batch, seq], generator: generator, dtype: ScalarType.Int64);
    }

    /// <summary>Same shape and bit-for-bit equal values (TorchSharp's <c>equal</c> is elementwise).</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static double MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().to(ScalarType.Float64).item<double>();
}

/// <summary>A tiny model config with a fluent way to choose the feed-forward layer.</summary>
internal sealed class ModelConfigBuilder
{
    public global::MoT.Training.Models.ModelConfig Dense(int vocab = 50, int context = 16, int dModel = 32, int layers = 2, int heads = 4, int dff = 64) => new()
    {
        VocabSize = vocab, ContextLength = context, DModel = dModel, Layers = layers, Heads = heads, DFF = dff,
    };

    public global::MoT.Training.Models.ModelConfig MoT(int experts = 4, int group = 4, int? expertSize = null) => Dense() with
    {
        FeedForward = global::MoT.Training.Models.FeedForwardKind.MixtureOfTokens,
        MixtureOfTokens = new global::MoT.Training.Models.MixtureOfTokensConfig(experts, group, expertSize),
    };
}
