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
    [ComponentName(Name = "token_embedding")] private readonly Embedding _tokenEmbedding;
    [ComponentName(Name = "position_embedding")] private readonly Embedding? _positionEmbedding;
    [ComponentName(Name = "blocks")] private readonly ModuleList<TransformerBlock> _blocks;
    [ComponentName(Name = "ln_final")] private readonly LayerNorm _lnFinal;
    [ComponentName(Name = "head")] private readonly Linear? _head;

    /// <param name="seed">Seeds a private generator for the initial weights, so construction is
    /// deterministic even while other threads draw from torch's global generator.</param>
    public TransformerLM(ModelConfig config, long seed = 0) : base(nameof(TransformerLM))
    {
        Config = config.Validate();
        _tokenEmbedding = nn.Embedding(config.VocabSize, config.DModel);
        if (config.Positions == PositionEncoding.Learned)
            _positionEmbedding = nn.Embedding(config.ContextLength, config.DModel);
        _blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(i => new TransformerBlock(config, i)).ToArray());
        _lnFinal = nn.LayerNorm(config.DModel);
        if (!config.TiedHead)
            _head = nn.Linear(config.DModel, config.VocabSize, hasBias: false);
        RegisterComponents();
        InitialiseWeights(seed);
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<TransformerBlock> Blocks => _blocks.ToArray();

    /// <summary>tokens (B, S) int64 -> logits (B, S, V).</summary>
    public override Tensor forward(Tensor tokens) => Run(tokens).Logits;

    /// <summary>tokens (B, S) int64 -> logits, auxiliary loss and routing diagnostics.</summary>
    public LanguageModelOutput Run(Tensor tokens)
    {
        var (batch, seq) = (tokens.shape[0], tokens.shape[1]);
        if (seq > Config.ContextLength)
            throw new ArgumentException($"sequence length {seq} exceeds the model's context length {Config.ContextLength}");
        var x = _tokenEmbedding.forward(tokens);                                // (B, S, d)
        if (_positionEmbedding is not null)
            x = x + _positionEmbedding.forward(arange(seq, device: tokens.device)); // + (S, d)

        var auxiliary = zeros(1, dtype: x.dtype, device: x.device).squeeze();
        var diagnostics = new Dictionary<int, RoutingDiagnostics>();
        for (var i = 0; i < _blocks.Count; i++)
        {
            var result = _blocks[i].Apply(x);
            x = result.Output;
            if (result.AuxiliaryLoss is not null) auxiliary = auxiliary + result.AuxiliaryLoss;
            if (result.Diagnostics is not null) diagnostics[i] = result.Diagnostics;
        }
        x = _lnFinal.forward(x);
        var logits = _head is not null ? _head.forward(x) : x.matmul(_tokenEmbedding.weight!.t()); // (B, S, V)
        return new LanguageModelOutput(logits, auxiliary, diagnostics);
    }

    /// <summary>Mean next-token cross-entropy of <paramref name="logits"/> (B, S, V) against targets (B, S).</summary>
    public static Tensor LanguageModelLoss(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]).to(ScalarType.Float32), targets.reshape(-1));

    private void InitialiseWeights(long seed)
    {
        // GPT-2 style N(0, 0.02) for embeddings and dense projections; the paper's truncated normal
        // with std sqrt(0.1 / fan_in) for experts and controllers (fan_in is the second-last dim).
        using var generator = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (parameter.dim() < 2)
            {
                // Linear biases start at zero (GPT-2); their constructor draws from the process-wide RNG, which
                // other threads share, so keeping them would make "same seed, same model" a race.
                // LayerNorm gains and temperatures keep their (constant) constructor values.
                if (name.EndsWith("bias", StringComparison.Ordinal)) parameter.zero_();
                continue;
            }
            if (name.Contains("expert_") || name.Contains("controller") || name.Contains("router"))
                ExpertWeights.InitialiseTruncatedNormal(parameter, parameter.shape[^2], generator);
            else
                nn.init.normal_(parameter, 0, 0.02, generator);
        }
    }
}
