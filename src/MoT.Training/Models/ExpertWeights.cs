using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>Batched application shared by every expert-based layer (their init is <see cref="WeightInit"/>).</summary>
internal static class ExpertWeights
{
    /// <summary>The three tensors every expert layer owns, drawn by the paper's rule (<see cref="WeightInit"/>):
    /// router/controller (d, columns) and W1 (E, d, es) with fan_in = d_model, W2 (E, es, d) with fan_in = es.</summary>
    public static (Parameter Router, Parameter ExpertIn, Parameter ExpertOut) Create(
        int dModel, int routerColumns, int experts, int expertSize, Generator? generator)
    {
        using var owned = generator is null ? new Generator(0) : null;
        var draw = generator ?? owned!;
        return (WeightInit.TruncatedNormal(draw, dModel, dModel, routerColumns),
            WeightInit.TruncatedNormal(draw, dModel, experts, dModel, expertSize),
            WeightInit.TruncatedNormal(draw, expertSize, experts, expertSize, dModel));
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
