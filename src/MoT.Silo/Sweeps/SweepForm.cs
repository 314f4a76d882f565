using System.Globalization;
using System.Text.RegularExpressions;
using MoT.Contracts.Sweeps;

namespace MoT.Silo.Sweeps;

/// <summary>One searched parameter as the form edits it.</summary>
public sealed class ParameterForm
{
    public string Path { get; set; } = "";
    public ParameterKind Kind { get; set; } = ParameterKind.LogUniform;
    public double? Low { get; set; }
    public double? High { get; set; }
    public double? Step { get; set; }
    /// <summary>Choice values, comma-separated (JSON literals or plain strings).</summary>
    public string Choices { get; set; } = "";

    public IReadOnlyList<string> ChoiceList =>
        [.. Choices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public ParameterForm Clone() => (ParameterForm)MemberwiseClone();
}

/// <summary>
/// The "New sweep" form: everything a <see cref="SweepSpec"/> needs, with per-field validation (errors keyed by field
/// path, e.g. <c>parameters[1].low</c>), a run-count estimate and a YAML twin (<see cref="SweepYaml"/>).
/// </summary>
public sealed partial class SweepForm
{
    public string Name { get; set; } = "tiny-sweep";
    public string BasePreset { get; set; } = "MoT-Tiny/8E";
    public long Steps { get; set; } = 200;
    public double LearningRate { get; set; } = 1e-3;
    public SearchMethod Method { get; set; } = SearchMethod.Random;
    public List<ParameterForm> Parameters { get; set; } =
    [
        new() { Path = "training.lr", Kind = ParameterKind.LogUniform, Low = 1e-4, High = 1e-2 },
    ];
    public int MaxConcurrentRuns { get; set; } = 2;
    public int? MaxRuns { get; set; } = 4;
    public int Seed { get; set; }
    public int Priority { get; set; }
    public bool EarlyStopping { get; set; }
    public long AshaMinSteps { get; set; } = 20;
    public int AshaReductionFactor { get; set; } = 2;
    public string EvalSet { get; set; } = "demo-eval";
    public string Tokenizer { get; set; } = "bytes";

    /// <summary>Grids larger than this are refused: they would flood the queue.</summary>
    public const int MaxGridSize = 10_000;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex PathPattern();

    /// <summary>Every problem, each naming its field; empty when the form can be launched.</summary>
    public IReadOnlyList<SpecError> Validate()
    {
        var errors = new List<SpecError>();
        void Error(string path, string message) => errors.Add(new SpecError(path, message));

        if (string.IsNullOrWhiteSpace(Name)) Error("name", "Give the sweep a name.");
        if (PresetCatalog.Find(BasePreset) is null) Error("basePreset", $"'{BasePreset}' is not a known preset.");
        if (Steps < 1) Error("steps", "Steps must be at least 1.");
        if (!(LearningRate > 0)) Error("learningRate", "The learning rate must be greater than 0.");
        if (MaxConcurrentRuns < 1) Error("maxConcurrentRuns", "At least 1 run must be allowed to train at once.");
        if (MaxRuns is null && Method != SearchMethod.Grid) Error("maxRuns", $"A {Method} sweep needs a budget (max runs).");
        if (MaxRuns is < 1) Error("maxRuns", "The budget must be at least 1 run.");
        if (string.IsNullOrWhiteSpace(EvalSet)) Error("evalSet", "Name the eval set.");
        if (string.IsNullOrWhiteSpace(Tokenizer)) Error("tokenizer", "Name the tokenizer.");
        if (Parameters.Count == 0) Error("parameters", "Add at least one parameter to search.");
        if (EarlyStopping)
        {
            if (AshaMinSteps < 1 || AshaMinSteps >= Steps) Error("ashaMinSteps", $"The first rung must be between 1 and {Steps - 1} steps.");
            if (AshaReductionFactor < 2) Error("ashaReductionFactor", "The reduction factor must be at least 2.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            var at = $"parameters[{i}]";
            if (!PathPattern().IsMatch(p.Path ?? "")) Error($"{at}.path", "Use a dotted config path such as training.lr.");
            else if (!seen.Add(p.Path!)) Error($"{at}.path", $"'{p.Path}' is searched twice.");

            switch (p.Kind)
            {
                case ParameterKind.Choice:
                    if (p.ChoiceList.Count == 0) Error($"{at}.choices", "List at least one value, comma-separated.");
                    break;
                default:
                    if (p.Low is null) Error($"{at}.low", "Set the lower bound.");
                    if (p.High is null) Error($"{at}.high", "Set the upper bound.");
                    if (p.Low is { } low && p.High is { } high)
                    {
                        if (p.Kind == ParameterKind.Int ? low > high : low >= high) Error($"{at}.high", "The upper bound must be above the lower bound.");
                        if (p.Kind == ParameterKind.LogUniform && low <= 0) Error($"{at}.low", "A log-scale range must start above 0.");
                    }
                    if (p.Kind == ParameterKind.Int && p.Step is <= 0) Error($"{at}.step", "The step must be greater than 0.");
                    if (Method == SearchMethod.Grid && p.Kind is ParameterKind.Uniform or ParameterKind.LogUniform)
                        Error($"{at}.kind", "A grid needs discrete values: use choice or int.");
                    break;
            }
        }

        if (Method == SearchMethod.Grid && errors.Count == 0 && GridSize() > MaxGridSize)
            Error("parameters", $"The grid has {GridSize():N0} combinations; at most {MaxGridSize:N0} are allowed.");
        return errors;
    }

    /// <summary>The first error of <paramref name="field"/>, for the field's helper text.</summary>
    public string? ErrorFor(IReadOnlyList<SpecError> errors, string field) => errors.FirstOrDefault(e => e.Path == field)?.Message;

    /// <summary>How many runs the sweep will create, or null when the form does not say yet.</summary>
    public long? EstimateRunCount() => Method switch
    {
        SearchMethod.Grid => GridSize() is { } grid ? Math.Min(grid, MaxRuns ?? long.MaxValue) : null,
        _ => MaxRuns,
    };

    private long? GridSize()
    {
        long total = 1;
        foreach (var p in Parameters)
        {
            long count;
            switch (p.Kind)
            {
                case ParameterKind.Choice:
                    count = p.ChoiceList.Count;
                    break;
                case ParameterKind.Int when p.Low is { } low && p.High is { } high && high >= low:
                    count = (long)Math.Floor((high - low) / (p.Step is > 0 ? p.Step.Value : 1) + 1e-9) + 1;
                    break;
                default:
                    return null;
            }

            total = count == 0 ? 0 : total > long.MaxValue / count ? long.MaxValue : total * count;
        }

        return total;
    }

    /// <summary>The spec to submit (call <see cref="Validate"/> first).</summary>
    public SweepSpec ToSpec(string owner)
    {
        var preset = PresetCatalog.Find(BasePreset) ?? throw new InvalidOperationException($"'{BasePreset}' is not a known preset.");
        var config = RunConfigFactory.Build(preset, new TrainingSettings(Steps, LearningRate), EvalSet.Trim(), Tokenizer.Trim());
        return new SweepSpec(
            owner,
            config.ToJsonString(),
            [.. Parameters.Select(p => new SearchParameter(
                p.Path.Trim(),
                p.Kind,
                p.Kind == ParameterKind.Choice ? p.ChoiceList : null,
                p.Kind == ParameterKind.Choice ? null : p.Low,
                p.Kind == ParameterKind.Choice ? null : p.High,
                p.Kind == ParameterKind.Int ? p.Step : null))],
            Method,
            MaxConcurrentRuns,
            MaxRuns,
            Seed,
            EarlyStopping ? new AshaSettings(AshaMinSteps, AshaReductionFactor, Steps) : null,
            Priority,
            Name.Trim());
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
