namespace MoT.Training.Models;

/// <summary>Everything that fixes a model's architecture (and so its checkpoint layout).</summary>
public sealed record ModelConfig
{
    public required int VocabSize { get; init; }
    public required int ContextLength { get; init; }
    public required int DModel { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int DFF { get; init; }
    public Activation Activation { get; init; } = Activation.Relu;
    public PositionEncoding Positions { get; init; } = PositionEncoding.Learned;
    public bool TiedHead { get; init; }
    public FeedForwardKind FeedForward { get; init; } = FeedForwardKind.Dense;
    /// <summary>Blocks (0-based) that use <see cref="FeedForward"/>; null means the paper's second half.</summary>
    public IReadOnlyList<int>? SparseBlocks { get; init; }
    public MixtureOfTokensConfig? MixtureOfTokens { get; init; }
    public TokenChoiceConfig? TokenChoice { get; init; }
    public ExpertChoiceConfig? ExpertChoice { get; init; }

    /// <summary>The blocks whose FFN is the configured MoT/MoE layer (empty for dense models).</summary>
    public IReadOnlyList<int> ResolvedSparseBlocks() =>
        FeedForward == FeedForwardKind.Dense ? []
        : SparseBlocks ?? Enumerable.Range(Layers / 2, Layers - Layers / 2).ToArray();

    public FeedForwardKind KindOfBlock(int block) =>
        ResolvedSparseBlocks().Contains(block) ? FeedForward : FeedForwardKind.Dense;

    /// <summary>Smallest batch the model accepts (MoT / Expert Choice mix across sequences).</summary>
    public int MinimumBatchMultiple => FeedForward switch
    {
        FeedForwardKind.MixtureOfTokens => MixtureOfTokens!.GroupSize,
        FeedForwardKind.ExpertChoice => ExpertChoice!.GroupSize,
        _ => 1,
    };

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first invalid field.</summary>
    public ModelConfig Validate()
    {
        Positive(VocabSize, nameof(VocabSize));
        Positive(ContextLength, nameof(ContextLength));
        Positive(DModel, nameof(DModel));
        Positive(Layers, nameof(Layers));
        Positive(Heads, nameof(Heads));
        Positive(DFF, nameof(DFF));
        if (DModel % Heads != 0)
            throw new ModelConfigException(nameof(Heads), $"({Heads}) must divide DModel ({DModel})");
        if (Positions == PositionEncoding.Rotary && DModel / Heads % 2 != 0)
            throw new ModelConfigException(nameof(Heads), $"rotary positions need an even head size, got {DModel / Heads}");
        if (SparseBlocks?.Any(b => b < 0 || b >= Layers) == true)
            throw new ModelConfigException(nameof(SparseBlocks), $"must list blocks in 0..{Layers - 1}");
        switch (FeedForward)
        {
            case FeedForwardKind.MixtureOfTokens:
                (MixtureOfTokens ?? throw Missing(nameof(MixtureOfTokens))).Validate(DFF);
                break;
            case FeedForwardKind.TokenChoice:
                (TokenChoice ?? throw Missing(nameof(TokenChoice))).Validate();
                break;
            case FeedForwardKind.ExpertChoice:
                (ExpertChoice ?? throw Missing(nameof(ExpertChoice))).Validate();
                break;
        }
        return this;
    }

    /// <summary>The feed-forward layer in one phrase, e.g. <c>MoT(E=8, g=8, es=512)</c>.</summary>
    public string DescribeFeedForward() => FeedForward switch
    {
        FeedForwardKind.MixtureOfTokens => $"MoT(E={MixtureOfTokens!.Experts}, g={MixtureOfTokens.GroupSize}, es={MixtureOfTokens.ResolvedExpertSize(DFF)})",
        FeedForwardKind.TokenChoice => $"TokenChoice(E={TokenChoice!.Experts}, es={TokenChoice.ResolvedExpertSize(DFF)}, k={TokenChoice.TopK})",
        FeedForwardKind.ExpertChoice => $"ExpertChoice(E={ExpertChoice!.Experts}, g={ExpertChoice.GroupSize}, C={ExpertChoice.Capacity})",
        _ => $"Dense(d_ff={DFF})",
    };

    /// <summary>Same architecture, field by field (record equality would compare lists by reference).</summary>
    public bool HasSameArchitecture(ModelConfig other) =>
        System.Text.Json.JsonSerializer.Serialize(this, ConfigJson.Options) == System.Text.Json.JsonSerializer.Serialize(other, ConfigJson.Options);

    /// <summary>Checks that a batch of this size can go through the model.</summary>
    public void ValidateBatchSize(int batchSize, string field = "BatchSize")
    {
        if (batchSize <= 0) throw new ModelConfigException(field, $"must be positive, got {batchSize}");
        var group = MinimumBatchMultiple;
        if (group > batchSize)
            throw new ModelConfigException($"{FeedForward}.GroupSize", $"({group}) must not exceed the batch size ({batchSize})");
        if (batchSize % group != 0)
            throw new ModelConfigException(field, $"({batchSize}) must be a multiple of the group size ({group})");
    }

    private static void Positive(int value, string field)
    {
        if (value <= 0) throw new ModelConfigException(field, $"must be positive, got {value}");
    }

    private ModelConfigException Missing(string section) =>
        new(section, $"settings are required when FeedForward is {FeedForward}");
}
