using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>
/// Expert Choice MoE made causal as in the MoT paper: tokens are grouped like MoT (g sequences at
/// one position); within each group every expert takes its top-C tokens by router probability
/// (softmax over experts) and returns its output scaled by that probability. A LayerNorm follows
/// the layer; there is no auxiliary loss. Tokens no expert picked get a zero update.
/// </summary>
public sealed class ExpertChoiceMoE : nn.Module<Tensor, Tensor>, IFeedForward
{
    [ComponentName(Name = "router")] private readonly Parameter _router;        // (d, E)
    [ComponentName(Name = "expert_in")] private readonly Parameter _expertIn;    // (E, d, es)
    [ComponentName(Name = "expert_out")] private readonly Parameter _expertOut;   // (E, es, d)
    [ComponentName(Name = "norm")] private readonly LayerNorm _norm;
    private readonly ExpertChoiceConfig _config;
    private readonly Activation _activation;

    public ExpertChoiceMoE(int dModel, int dFF, ExpertChoiceConfig config, Activation activation, Generator? generator = null)
        : base(nameof(ExpertChoiceMoE))
    {
        _config = config;
        _activation = activation;
        var expertSize = config.ResolvedExpertSize(dFF);
        // Generator null (a layer built alone, in tests) draws from a private generator seeded 0.
        (_router, _expertIn, _expertOut) = ExpertWeights.Create(dModel, config.Experts, config.Experts, expertSize, generator);
        _norm = nn.LayerNorm(dModel);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Apply(x).Output;

    /// <summary>Padding rows (false in <paramref name="rowMask"/>) are picked by no expert while a real
    /// token of their group is left; an expert with only padding left takes it with weight zero.</summary>
    public FeedForwardResult Apply(Tensor x, Tensor? rowMask = null) => Route(x, rowMask).Result;

    /// <summary>The routing decision too, for tests: (N, C, E) token index within its group.</summary>
    internal (FeedForwardResult Result, Tensor ChosenTokens) Route(Tensor x, Tensor? rowMask = null)
    {
        var (batch, seq, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var g = _config.GroupSize;
        var c = _config.Capacity;
        var experts = _config.Experts;
        if (batch % g != 0)
            throw new ArgumentException($"batch size {batch} is not a multiple of the Expert Choice group size {g}");
        var groups = batch / g * seq;
        // (B, S, d) -> (N, g, d) exactly as MoT groups.
        var grouped = x.view(batch / g, g, seq, d).permute(2, 0, 1, 3).reshape(groups, g, d);

        var probabilities = grouped.matmul(_router).softmax(-1);                // (N, g, E) over experts
        Tensor chosenProbability, chosenToken;                                  // (N, C, E): each expert's top-C
        if (rowMask is null)
            (chosenProbability, chosenToken) = probabilities.topk(c, dim: 1);
        else
        {
            // Probabilities are >= 0, so a score of -1 ranks padding last; clamping gives it weight 0.
            var padding = rowMask.logical_not().view(batch / g, g, 1).permute(2, 0, 1).expand(seq, batch / g, g).reshape(groups, g, 1);
            var (score, token) = probabilities.masked_fill(padding, -1.0).topk(c, dim: 1);
            (chosenProbability, chosenToken) = (score.clamp_min(0.0), token);
        }

        // Gather each expert's chosen tokens: (N, C, E, d) -> (E, N*C, d).
        var gatherIndex = chosenToken.unsqueeze(-1).expand(groups, c, experts, d);
        var expanded = grouped.unsqueeze(2).expand(groups, g, experts, d);
        var expertInputs = expanded.gather(1, gatherIndex).permute(2, 0, 1, 3).reshape(experts, groups * c, d);
        var expertOutputs = ExpertWeights.Apply(expertInputs, _expertIn, _expertOut, _activation)
            .view(experts, groups, c, d).permute(1, 2, 0, 3);                   // (N, C, E, d)
        var weighted = expertOutputs * chosenProbability.unsqueeze(-1);

        // Scatter back to the chosen tokens and sum over experts: (N, g, E, d) -> (N, g, d).
        var perToken = zeros(groups, g, experts, d, dtype: x.dtype, device: x.device)
            .scatter_add(1, gatherIndex, weighted).sum(2);
        var output = _norm.forward(perToken.view(seq, batch / g, g, d).permute(1, 2, 0, 3).reshape(batch, seq, d));

        return (new FeedForwardResult(output, null, DiagnosticsOf(probabilities, chosenToken, g)), chosenToken);
    }

    private RoutingDiagnostics DiagnosticsOf(Tensor probabilities, Tensor chosenToken, int g)
    {
        using var _ = no_grad();
        var groups = chosenToken.shape[0];
        // A token is dropped when no expert picked it.
        var picks = zeros(groups, g, device: chosenToken.device)
            .scatter_add(1, chosenToken.reshape(groups, -1), ones(chosenToken.reshape(groups, -1).shape, device: chosenToken.device));
        var dropped = picks.eq(0).to(ScalarType.Float32).mean();
        var load = full(_config.Experts, 1.0 / _config.Experts, device: chosenToken.device); // fixed by construction
        return new RoutingDiagnostics(load, ExpertWeights.MeanEntropy(probabilities.detach(), -1), dropped);
    }
}
