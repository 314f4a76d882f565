using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>What one FFN block computed. Tensors stay on the device; the trainer reads them
/// (a host sync) only at its log interval.</summary>
/// <param name="Output">(B, S, d) added to the residual stream.</param>
/// <param name="AuxiliaryLoss">Scalar added to the LM loss (load balancing, z-loss), or null.</param>
/// <param name="Diagnostics">Routing statistics, or null for a dense FFN.</param>
public sealed record FeedForwardResult(Tensor Output, Tensor? AuxiliaryLoss, RoutingDiagnostics? Diagnostics);

/// <summary>Per-layer routing statistics of a MoT / MoE block.</summary>
/// <param name="ExpertLoad">(E) share of routed work per expert (MoT: mean peak mixing weight).</param>
/// <param name="Entropy">Scalar: mean entropy of the router (MoE) or of the mixing weights over the group (MoT).</param>
/// <param name="DroppedFraction">Scalar: share of tokens (or token assignments) no expert processed.</param>
public sealed record RoutingDiagnostics(Tensor ExpertLoad, Tensor Entropy, Tensor DroppedFraction);

/// <summary>A feed-forward block that can also report an auxiliary loss and diagnostics.</summary>
public interface IFeedForward
{
    /// <summary>x: (B, S, d) pre-LayerNorm activations of the block. <paramref name="rowMask"/> (B, bool) marks
    /// real sequences; padding rows (false) must not change real rows' outputs.</summary>
    FeedForwardResult Apply(Tensor x, Tensor? rowMask = null);
}
