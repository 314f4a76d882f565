using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>
/// Mixture of Tokens (arXiv 2310.15961): tokens at the same position of g consecutive sequences
/// form a group; each expert processes one softmax-weighted mixture of the group (softmax over
/// the g tokens, not over experts) and its output returns to every token with the same weights.
/// Continuous and causal: no top-k, no dropped tokens, no mixing along the sequence.
/// </summary>
public sealed class MixtureOfTokens : nn.Module<Tensor, Tensor>, IFeedForward
{
    // Controller columns: one per mixture, expert-major (column e*M + m feeds mixture m of expert e).
    [ComponentName(Name = "controller")] private readonly Parameter _controller;      // (d, E*M)
    [ComponentName(Name = "expert_in")] private readonly Parameter _expertIn;          // (E, d, es)
    [ComponentName(Name = "expert_out")] private readonly Parameter _expertOut;         // (E, es, d)
    [ComponentName(Name = "temperature_theta")] private readonly Parameter? _theta;     // (1) or (E*M)
    private readonly MixtureOfTokensConfig _config;
    private readonly Activation _activation;
    private readonly int _mixtures;

    public MixtureOfTokens(int dModel, int dFF, MixtureOfTokensConfig config, Activation activation, Generator? generator = null)
        : base(nameof(MixtureOfTokens))
    {
        _config = config;
        _activation = activation;
        _mixtures = config.Experts * config.MixturesPerExpert;
        var expertSize = config.ResolvedExpertSize(dFF);
        // Generator null (a layer built alone, in tests) draws from a private generator seeded 0.
        (_controller, _expertIn, _expertOut) = ExpertWeights.Create(dModel, _mixtures, config.Experts, expertSize, generator);
        if (config.LearnableTemperature)
            // Spec rule: tau = exp(theta - 1) with theta = 1 starts at tau = 1 (the paper's fixed value); no draw.
            _theta = new Parameter(ones(config.TemperaturePerExpert ? _mixtures : 1));
        RegisterComponents();
    }

    public MixtureOfTokensConfig Config => _config;
    internal Parameter Controller => _controller;
    internal Parameter ExpertIn => _expertIn;
    internal Parameter ExpertOut => _expertOut;

    /// <summary>The learnable temperature's theta, or null when the temperature is fixed.</summary>
    public Parameter? TemperatureTheta => _theta;

    public override Tensor forward(Tensor x) => Apply(x).Output;

    /// <summary>Mixes across the batch. <paramref name="rowMask"/> (B, bool) marks real sequences;
    /// padding rows (false) get no mixing weight, so they cannot change real rows' outputs. A group made
    /// only of padding mixes nothing and returns zeros.</summary>
    public FeedForwardResult Apply(Tensor x, Tensor? rowMask = null)
    {
        var (batch, seq, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var g = _config.GroupSize;
        if (batch % g != 0)
            throw new ArgumentException($"batch size {batch} is not a multiple of the MoT group size {g}; pad the batch (see {nameof(MixtureOfTokens)}.Apply rowMask)");
        var groups = batch / g * seq;

        // (B, S, d) -> (B/g, g, S, d) -> (S, B/g, g, d) -> (N, g, d): a group is g sequences at one position.
        var grouped = x.view(batch / g, g, seq, d).permute(2, 0, 1, 3).reshape(groups, g, d);

        var logits = Scale(grouped.matmul(_controller));                       // (N, g, E*M)
        Tensor? realRows = null;                                                // (N, g, 1) bool
        if (rowMask is not null)
        {
            realRows = rowMask.view(batch / g, g, 1).permute(2, 0, 1).expand(seq, batch / g, g).reshape(groups, g, 1);
            // Padding leaves the softmax. A group with no real row keeps its finite logits (all -inf would
            // make the softmax, and every gradient through it, NaN); its weights are zeroed below.
            var hasRealRow = realRows.any(1, keepdim: true);                    // (N, 1, 1)
            logits = logits.masked_fill(realRows.logical_not() & hasRealRow, double.NegativeInfinity);
        }
        var weights = !training && _config.DiscreteEvaluation
            ? nn.functional.one_hot(logits.argmax(1), g).permute(0, 2, 1).to(x.dtype) // one-hot over the group
            : logits.softmax(1);                                                     // softmax over the g tokens (stable)
        if (realRows is not null)
            weights = weights * realRows.to(weights.dtype);                     // exact zeros for padding rows

        // One mixture per controller column: (N, E*M, g) @ (N, g, d) -> (N, E*M, d).
        var mixtures = weights.transpose(1, 2).bmm(grouped);
        // Experts on their mixtures in one bmm pair: (E, N*M, d) -> (E, N*M, d).
        var m = _config.MixturesPerExpert;
        var perExpert = mixtures.view(groups, _config.Experts, m, d).permute(1, 0, 2, 3)
            .reshape(_config.Experts, groups * m, d);
        var expertOutputs = ExpertWeights.Apply(perExpert, _expertIn, _expertOut, _activation)
            .view(_config.Experts, groups, m, d).permute(1, 0, 2, 3).reshape(groups, _mixtures, d);
        // Emit with the same weights: (N, g, E*M) @ (N, E*M, d) -> (N, g, d).
        var emitted = weights.bmm(expertOutputs);

        // (N, g, d) -> (S, B/g, g, d) -> (B, S, d)
        var output = emitted.view(seq, batch / g, g, d).permute(1, 2, 0, 3).reshape(batch, seq, d);
        return new FeedForwardResult(output, null, Diagnostics(weights));
    }

    // Divides by tau. A fixed tau is a host scalar (no tensor built and copied to the device per step;
    // tau = 1, every paper config, skips the kernel entirely); a learnable one is exp(theta - 1).
    private Tensor Scale(Tensor logits) =>
        _theta is not null ? logits / (_theta - 1).exp()
        : _config.Temperature == 1.0 ? logits : logits / _config.Temperature;

    private RoutingDiagnostics Diagnostics(Tensor weights)
    {
        using var _ = no_grad();
        var detached = weights.detach();
        // Peak weight per mixture: 1/g when mixing uniformly, 1 when one token dominates.
        var peak = detached.amax(1).view(-1, _config.Experts, _config.MixturesPerExpert).mean([0, 2]);
        return new RoutingDiagnostics(peak, ExpertWeights.MeanEntropy(detached, 1), zeros(1, device: weights.device).squeeze());
    }
}
