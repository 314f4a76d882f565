namespace MoT.Training.Models;

/// <summary>Which feed-forward block the MoE-eligible layers use.</summary>
public enum FeedForwardKind { Dense, MixtureOfTokens, TokenChoice, ExpertChoice }

/// <summary>Nonlinearity inside every FFN and expert (the paper's configs use ReLU).</summary>
public enum Activation { Relu, Gelu }

/// <summary>How positions enter the model: learned absolute embeddings (paper) or rotary.</summary>
public enum PositionEncoding { Learned, Rotary }

/// <summary>Mixture of Tokens settings (MOT-SPEC.md "The MoT layer").</summary>
/// <param name="Experts">E: experts (each with its own controller column).</param>
/// <param name="GroupSize">g: sequences of the batch mixed together at one position.</param>
/// <param name="ExpertSize">Width of one expert; null means the flop-matched d_ff * g / E.</param>
/// <param name="MixturesPerExpert">Mixtures each expert processes per group (own controller columns).</param>
/// <param name="Temperature">Softmax temperature when not learnable (paper: 1.0).</param>
/// <param name="LearnableTemperature">tau = exp(theta - 1), theta initialised to 1.</param>
/// <param name="TemperaturePerExpert">One learnable theta per expert instead of one shared.</param>
/// <param name="DiscreteEvaluation">In eval mode, replace the mixing weights with a one-hot argmax over the group.</param>
/// <param name="TemperatureFrozenUntilStep">A learnable temperature stays at its initial tau = 1 for the first
/// this many optimizer steps (the trainer zeroes its gradient), then learns; 0 learns from the start.</param>
public sealed record MixtureOfTokensConfig(
    int Experts,
    int GroupSize,
    int? ExpertSize = null,
    int MixturesPerExpert = 1,
    double Temperature = 1.0,
    bool LearnableTemperature = false,
    bool TemperaturePerExpert = false,
    bool DiscreteEvaluation = false,
    int TemperatureFrozenUntilStep = 0)
{
    public int ResolvedExpertSize(int dFF) => ExpertSize ?? Math.Max(1, dFF * GroupSize / Experts);

    internal void Validate(int dFF)
    {
        if (Experts <= 0) throw new ModelConfigException("MixtureOfTokens.Experts", $"must be positive, got {Experts}");
        if (GroupSize <= 0) throw new ModelConfigException("MixtureOfTokens.GroupSize", $"must be positive, got {GroupSize}");
        if (ExpertSize is <= 0) throw new ModelConfigException("MixtureOfTokens.ExpertSize", $"must be positive, got {ExpertSize}");
        if (MixturesPerExpert <= 0) throw new ModelConfigException("MixtureOfTokens.MixturesPerExpert", $"must be positive, got {MixturesPerExpert}");
        if (!(Temperature > 0)) throw new ModelConfigException("MixtureOfTokens.Temperature", $"must be positive, got {Temperature}");
        if (TemperaturePerExpert && !LearnableTemperature)
            throw new ModelConfigException("MixtureOfTokens.TemperaturePerExpert", "needs LearnableTemperature = true");
        if (TemperatureFrozenUntilStep < 0)
            throw new ModelConfigException("MixtureOfTokens.TemperatureFrozenUntilStep", $"must be >= 0, got {TemperatureFrozenUntilStep}");
        if (TemperatureFrozenUntilStep > 0 && !LearnableTemperature)
            throw new ModelConfigException("MixtureOfTokens.TemperatureFrozenUntilStep", "needs LearnableTemperature = true (a fixed temperature never learns)");
        _ = ResolvedExpertSize(dFF);
    }
}

/// <summary>Token Choice (Switch-style) sparse MoE settings (MOT-SPEC.md "Baselines").</summary>
public sealed record TokenChoiceConfig(
    int Experts,
    int? ExpertSize = null,
    int TopK = 1,
    double CapacityFactor = 1.25,
    double LoadBalancingWeight = 0.01,
    double RouterZLossWeight = 0.0)
{
    public int ResolvedExpertSize(int dFF) => ExpertSize ?? dFF;

    internal void Validate()
    {
        if (Experts <= 0) throw new ModelConfigException("TokenChoice.Experts", $"must be positive, got {Experts}");
        if (ExpertSize is <= 0) throw new ModelConfigException("TokenChoice.ExpertSize", $"must be positive, got {ExpertSize}");
        if (TopK <= 0 || TopK > Experts) throw new ModelConfigException("TokenChoice.TopK", $"must be in 1..{Experts}, got {TopK}");
        if (!(CapacityFactor > 0)) throw new ModelConfigException("TokenChoice.CapacityFactor", $"must be > 0, got {CapacityFactor}");
        if (LoadBalancingWeight < 0) throw new ModelConfigException("TokenChoice.LoadBalancingWeight", $"must be >= 0, got {LoadBalancingWeight}");
        if (RouterZLossWeight < 0) throw new ModelConfigException("TokenChoice.RouterZLossWeight", $"must be >= 0, got {RouterZLossWeight}");
    }
}

/// <summary>Expert Choice settings: within each group of same-position tokens, every expert takes
/// its top-<see cref="Capacity"/> tokens (causal variant of Zhou et al. 2022, MOT-SPEC.md).</summary>
public sealed record ExpertChoiceConfig(int Experts, int GroupSize, int Capacity = 1, int? ExpertSize = null)
{
    public int ResolvedExpertSize(int dFF) => ExpertSize ?? dFF;

    internal void Validate()
    {
        if (Experts <= 0) throw new ModelConfigException("ExpertChoice.Experts", $"must be positive, got {Experts}");
        if (GroupSize <= 0) throw new ModelConfigException("ExpertChoice.GroupSize", $"must be positive, got {GroupSize}");
        if (Capacity <= 0 || Capacity > GroupSize)
            throw new ModelConfigException("ExpertChoice.Capacity", $"must be in 1..GroupSize ({GroupSize}), got {Capacity}");
        if (ExpertSize is <= 0) throw new ModelConfigException("ExpertChoice.ExpertSize", $"must be positive, got {ExpertSize}");
    }
}
