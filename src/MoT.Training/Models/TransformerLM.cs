using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>What one forward pass of the language model produced.</summary>
/// <param name="Logits">(B, S, V).</param>
/// <param name="AuxiliaryLoss">Sum of the FFN blocks' auxiliary losses (scalar; zero for dense/MoT).</param>
/// <param name="Diagnostics">Per sparse block (block index -> diagnostics).</param>
public sealed record LanguageModelOutput(Tensor Logits, Tensor AuxiliaryLoss, IReadOnlyDictionary<int, RoutingDiagnostics> Diagnostics);

/// <summary>Decoder-only Transformer LM: token embedding (+ learned positions), N pre-LN blocks with
/// pluggable feed-forward layers, final LayerNorm, tied or untied head.</summary>
public sealed class TransformerLM : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "token_embedding")] private readonly EmbeddingTable _tokenEmbedding;
    [ComponentName(Name = "position_embedding")] private readonly EmbeddingTable? _positionEmbedding;
    [ComponentName(Name = "blocks")] private readonly ModuleList<TransformerBlock> _blocks;
    [ComponentName(Name = "ln_final")] private readonly LayerNorm _lnFinal;
    [ComponentName(Name = "head")] private readonly Projection? _head;

    /// <param name="seed">Alone decides the initial weights: every weight is drawn, in construction order,
    /// from one private generator seeded with it (never torch's process-wide RNG, which other threads
    /// training at the same time advance). The rules are <see cref="WeightInit"/>'s, per tensor:
    /// token and position embeddings fan_in 1 (the paper's code; untied head), or fan_in d_model when the
    /// table doubles as the head; every projection and expert matrix fan_in = its input width; LayerNorm
    /// gain 1, bias 0; a learnable MoT temperature theta 1.</param>
    public TransformerLM(ModelConfig config, long seed = 0) : base(nameof(TransformerLM))
    {
        Config = config.Validate();
        using var generator = new Generator(unchecked((ulong)seed));
        _tokenEmbedding = new EmbeddingTable(config.VocabSize, config.DModel, fanIn: config.TiedHead ? config.DModel : 1, generator);
        if (config.Positions == PositionEncoding.Learned)
            _positionEmbedding = new EmbeddingTable(config.ContextLength, config.DModel, fanIn: 1, generator);
        _blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(i => new TransformerBlock(config, i, generator)).ToArray());
        _lnFinal = nn.LayerNorm(config.DModel);
        if (!config.TiedHead)
            _head = new Projection(config.DModel, config.VocabSize, generator);
        RegisterComponents();
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<TransformerBlock> Blocks => _blocks.ToArray();

    /// <summary>Learnable MoT temperatures held fixed before <paramref name="step"/> reaches their
    /// <see cref="MixtureOfTokensConfig.TemperatureFrozenUntilStep"/>.</summary>
    public IEnumerable<Parameter> FrozenTemperaturesAt(int step) =>
        Blocks.Select(b => b.FeedForward).OfType<MixtureOfTokens>()
            .Where(m => m.TemperatureTheta is not null && step < m.Config.TemperatureFrozenUntilStep)
            .Select(m => m.TemperatureTheta!);

    /// <summary>tokens (B, S) int64 -> logits (B, S, V).</summary>
    public override Tensor forward(Tensor tokens) => Run(tokens).Logits;

    /// <summary>tokens (B, S) int64 -> logits, auxiliary loss and routing diagnostics.</summary>
    /// <param name="rowMask">(B) bool, false for padding rows (a short last batch padded to a multiple of the
    /// group size). Sparse layers leave padding rows out of their mixing and routing, so real rows' outputs do
    /// not depend on what the padding holds; padding rows' own outputs are meaningless.</param>
    public LanguageModelOutput Run(Tensor tokens, Tensor? rowMask = null)
    {
        var (batch, seq) = (tokens.shape[0], tokens.shape[1]);
        if (seq > Config.ContextLength)
            throw new ArgumentException($"sequence length {seq} exceeds the model's context length {Config.ContextLength}");
        if (rowMask is not null && (rowMask.dim() != 1 || rowMask.shape[0] != batch || rowMask.dtype != ScalarType.Bool))
            throw new ArgumentException($"row mask must be a bool vector of the batch size {batch}, got {rowMask.dtype} [{string.Join(", ", rowMask.shape)}]");
        var x = _tokenEmbedding.forward(tokens);                                // (B, S, d)
        if (_positionEmbedding is not null)
            x = x + _positionEmbedding.forward(arange(seq, device: tokens.device)); // + (S, d)

        var auxiliary = zeros(1, dtype: x.dtype, device: x.device).squeeze();
        var diagnostics = new Dictionary<int, RoutingDiagnostics>();
        for (var i = 0; i < _blocks.Count; i++)
        {
            var result = _blocks[i].Apply(x, rowMask);
            x = result.Output;
            if (result.AuxiliaryLoss is not null) auxiliary = auxiliary + result.AuxiliaryLoss;
            if (result.Diagnostics is not null) diagnostics[i] = result.Diagnostics;
        }
        x = _lnFinal.forward(x);
        var logits = _head is not null ? _head.forward(x) : x.matmul(_tokenEmbedding.Weight.t()); // (B, S, V)
        return new LanguageModelOutput(logits, auxiliary, diagnostics);
    }

    /// <summary>Mean next-token cross-entropy of <paramref name="logits"/> (B, S, V) against targets (B, S).</summary>
    public static Tensor LanguageModelLoss(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]).to(ScalarType.Float32), targets.reshape(-1));
}
