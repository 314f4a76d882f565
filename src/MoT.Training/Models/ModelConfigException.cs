namespace MoT.Training.Models;

/// <summary>A model configuration a user wrote is invalid; the message names the field.</summary>
public sealed class ModelConfigException(string field, string problem)
    : Exception($"invalid config: {field} {problem}")
{
    /// <summary>The config path of the offending field, e.g. <c>MixtureOfTokens.GroupSize</c>.</summary>
    public string Field { get; } = field;
}
