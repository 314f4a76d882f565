using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>
/// Token Choice sparse MoE: each token's router softmax over experts picks its top-k experts;
/// each expert takes at most C = min(floor(cf * N * k / E), N) assignments, first choices first,
/// then in token order; the rest are dropped (zero update). Load-balancing loss as Switch.
/// Tensor layout matches <see cref="MixtureOfTokens"/> so transition tuning shares the weights.
/// </summary>
public sealed class TokenChoiceMoE : nn.Module<Tensor, Tensor>, IFeedForward
{
    [ComponentName(Name = "router")] private readonly Parameter _router;        // (d, E)
    [ComponentName(Name = "expert_in")] private readonly Parameter _expertIn;    // (E, d, es)
    [ComponentName(Name = "expert_out")] private readonly Parameter _expertOut;   // (E, es, d)
    private readonly TokenChoiceConfig _config;
    private readonly Activation _activation;

    public TokenChoiceMoE(int dModel, int dFF, TokenChoiceConfig config, Activation activation, Generator? generator = null)
        : base(nameof(TokenChoiceMoE))
    {
        _config = config;
        _activation = activation;
        var expertSize = config.ResolvedExpertSize(dFF);
        // Generator null (a layer built alone, in tests) draws from a private generator seeded 0.
        (_router, _expertIn, _expertOut) = ExpertWeights.Create(dModel, config.Experts, config.Experts, expertSize, generator);
        RegisterComponents();
    }

    public TokenChoiceConfig Config => _config;
    internal Parameter Router => _router;
    internal Parameter ExpertIn => _expertIn;
    internal Parameter ExpertOut => _expertOut;

    /// <summary>Expert capacity for <paramref name="tokens"/> tokens (exactly C, no off-by-one).</summary>
    public static long Capacity(long tokens, TokenChoiceConfig config) =>
        Math.Min((long)Math.Floor(config.CapacityFactor * tokens * config.TopK / config.Experts), tokens);

    public override Tensor forward(Tensor x) => Apply(x).Output;

    /// <summary>Routes real rows only: padding rows (false in <paramref name="rowMask"/>) take no capacity
    /// and count in no statistic, and get a zero update. With a mask this costs one host sync.</summary>
    public FeedForwardResult Apply(Tensor x, Tensor? rowMask = null)
    {
        if (rowMask is not null)
        {
            var realRows = rowMask.nonzero().view(-1);
            if (realRows.shape[0] == 0)   // nothing to route: no update, no auxiliary loss
                return new FeedForwardResult(zeros_like(x), zeros(1, dtype: x.dtype, device: x.device).squeeze(), null);
            var routed = Apply(x.index_select(0, realRows));
            return routed with { Output = zeros_like(x).index_copy(0, realRows, routed.Output) };
        }
        var (batch, seq, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var experts = _config.Experts;
        var k = _config.TopK;
        var tokens = batch * seq;
        var capacity = Capacity(tokens, _config);
        var flat = x.reshape(tokens, d);                                       // (N, d)

        var logits = flat.matmul(_router);                                      // (N, E)
        var probabilities = logits.softmax(-1);
        var (topProbabilities, topExperts) = probabilities.topk(k, dim: -1);   // (N, k)

        // Assignments ordered choice-major then token order: all first choices outrank second ones.
        var assignedExpert = topExperts.t().reshape(-1);                        // (k*N)
        var assignedProbability = topProbabilities.t().reshape(-1);             // (k*N)
        var oneHot = nn.functional.one_hot(assignedExpert, experts);            // (k*N, E)
        var position = (oneHot.cumsum(0) * oneHot).sum(-1) - 1;                 // rank within its expert
        var kept = position.lt(capacity);                                       // (k*N) bool

        // Scatter kept assignments into expert slots e*C + position; dropped ones go to a spare
        // slot past the end that is discarded, so no data-dependent shapes (no host sync).
        var slot = where(kept, assignedExpert * capacity + position, experts * capacity);
        var tokenOfAssignment = arange(tokens, device: x.device).repeat(k);       // (k*N)
        var slotInputs = zeros(experts * capacity + 1, d, dtype: x.dtype, device: x.device)
            .index_add(0, slot, flat.index_select(0, tokenOfAssignment), 1);
        var expertInputs = slotInputs.narrow(0, 0, experts * capacity).view(experts, capacity, d);
        var expertOutputs = ExpertWeights.Apply(expertInputs, _expertIn, _expertOut, _activation)
            .reshape(experts * capacity, d);
        var withSpare = cat([expertOutputs, zeros(1, d, dtype: x.dtype, device: x.device)], 0);

        // y_i = sum over kept assignments of p[i, e] * FFN_e(x_i)
        var gate = (assignedProbability * kept.to(assignedProbability.dtype)).unsqueeze(-1);
        var contributions = withSpare.index_select(0, slot) * gate;             // (k*N, d)
        var output = contributions.view(k, tokens, d).sum(dim: 0).view(batch, seq, d);

        // Switch load balancing: alpha * E * sum_e mean_i(p[i,e]) * count_e / N (counts before drops).
        var counts = oneHot.sum(dim: 0).to(probabilities.dtype);                     // (E)
        var auxiliary = _config.LoadBalancingWeight * experts * (probabilities.mean([0]) * counts / tokens).sum();
        if (_config.RouterZLossWeight > 0)
            auxiliary = auxiliary + _config.RouterZLossWeight * logits.logsumexp(-1).square().mean();

        var diagnostics = DiagnosticsOf(probabilities, counts, kept, tokens * k);
        return new FeedForwardResult(output, auxiliary, diagnostics);
    }

    private static RoutingDiagnostics DiagnosticsOf(Tensor probabilities, Tensor counts, Tensor kept, long assignments)
    {
        using var _ = no_grad();
        var dropped = 1 - kept.to(ScalarType.Float32).sum() / assignments;
        return new RoutingDiagnostics(counts / assignments, ExpertWeights.MeanEntropy(probabilities.detach(), -1), dropped);
    }
}
