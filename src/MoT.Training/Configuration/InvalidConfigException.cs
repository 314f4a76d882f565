namespace MoT.Training.Configuration;

/// <summary>A config a user wrote has problems; the message lists every one, each naming its path.</summary>
public sealed class InvalidConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception(problems.Count == 1
        ? $"invalid config: {problems[0]}"
        : $"the config has {problems.Count} problems:{string.Concat(problems.Select(p => $"{Environment.NewLine}  {p}"))}")
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
