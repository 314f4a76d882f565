using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>
/// Transition tuning (MOT-SPEC.md): a trained MoT becomes a sparse Token Choice MoE that shares its
/// tensors. The router IS the MoT controller (softmax now over experts per token instead of over
/// tokens per expert) and the experts ARE the MoT experts; nothing is re-initialised.
/// </summary>
public static class TransitionTuning
{
    /// <summary>The Token Choice architecture a MoT model converts into.</summary>
    public static ModelConfig TokenChoiceConfigFor(ModelConfig mot, int topK = 1, double capacityFactor = 1.25,
        double loadBalancingWeight = 0.01)
    {
        if (mot.FeedForward != FeedForwardKind.MixtureOfTokens || mot.MixtureOfTokens is null)
            throw new ModelConfigException("FeedForward", $"transition tuning starts from a MixtureOfTokens model, got {mot.FeedForward}");
        var m = mot.MixtureOfTokens;
        if (m.MixturesPerExpert != 1)
            throw new ModelConfigException("MixtureOfTokens.MixturesPerExpert",
                $"must be 1 to convert to Token Choice (one router column per expert), got {m.MixturesPerExpert}");
        return (mot with
        {
            FeedForward = FeedForwardKind.TokenChoice,
            SparseBlocks = mot.ResolvedSparseBlocks().ToArray(),
            MixtureOfTokens = null,
            TokenChoice = new TokenChoiceConfig(m.Experts, m.ResolvedExpertSize(mot.DFF), topK, capacityFactor, loadBalancingWeight),
        }).Validate();
    }

    /// <summary>Builds the Token Choice model and copies every tensor of <paramref name="mot"/> into it;
    /// the controller of each MoT block becomes that block's router.</summary>
    public static TransformerLM Convert(TransformerLM mot, ModelConfig tokenChoice)
    {
        var converted = new TransformerLM(tokenChoice);
        converted.to(mot.parameters().First().device);
        var source = mot.state_dict();
        using var _ = no_grad();
        foreach (var (name, target) in converted.state_dict())
        {
            var sourceName = name.EndsWith(".ffn.router", StringComparison.Ordinal)
                ? name[..^"router".Length] + "controller"
                : name;
            if (!source.TryGetValue(sourceName, out var value))
                throw new InvalidOperationException($"transition tuning found no source tensor '{sourceName}' for '{name}'");
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidOperationException($"transition tuning: '{sourceName}' has shape [{string.Join(", ", value.shape)}], '{name}' needs [{string.Join(", ", target.shape)}]");
            target.copy_(value);
        }
        return converted;
    }
}
