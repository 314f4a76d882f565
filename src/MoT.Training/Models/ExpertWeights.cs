using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>Initialisation and batched application shared by every expert-based layer.</summary>
internal static class ExpertWeights
{
    /// <summary>The paper's init: truncated normal, std = sqrt(0.1 / fan_in).</summary>
    public static TorchSharp.Modules.Parameter TruncatedNormal(long fanIn, params long[] shape)
    {
        var weight = empty(shape);
        InitialiseTruncatedNormal(weight, fanIn, generator: null);
        return new TorchSharp.Modules.Parameter(weight);
    }

    /// <summary>Re-draws <paramref name="weight"/> in place from the paper's truncated normal (cut at 2 std).</summary>
    public static void InitialiseTruncatedNormal(Tensor weight, long fanIn, Generator? generator)
    {
        var std = Math.Sqrt(0.1 / fanIn);
        using (no_grad())
            nn.init.trunc_normal_(weight, 0, std, -2 * std, 2 * std, generator);
    }

    /// <summary>Runs every expert on its own rows in one batched matmul pair.
    /// inputs (E, R, d) -> (E, R, es) -> (E, R, d).</summary>
    public static Tensor Apply(Tensor inputs, Tensor w1, Tensor w2, Activation activation)
    {
        using var hidden = inputs.bmm(w1);
        using var activated = Activate(hidden, activation);
        return activated.bmm(w2);
    }

    public static Tensor Activate(Tensor x, Activation activation) => activation switch
    {
        Activation.Relu => nn.functional.relu(x),
        Activation.Gelu => nn.functional.gelu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>Mean entropy (nats) of probability rows along <paramref name="dim"/>.</summary>
    public static Tensor MeanEntropy(Tensor probabilities, long dim)
    {
        using var logs = probabilities.clamp_min(1e-12).log();
        using var terms = probabilities * logs;
        using var perRow = terms.sum(dim);
        return -perRow.mean();
    }
}
