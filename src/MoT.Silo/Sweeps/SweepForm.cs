using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoT.Contracts.Sweeps;
using MoT.Grains.Configs;
using MoT.Training.Configuration;

namespace MoT.Silo.Sweeps;

/// <summary>One searched parameter as the form edits it.</summary>
public sealed class ParameterForm
{
    public string Path { get; set; } = "";
    public ParameterKind Kind { get; set; } = ParameterKind.LogUniform;
    public double? Low { get; set; }
    public double? High { get; set; }
    public double? Step { get; set; }

    /// <summary>Choice values, each kept whole as written (JSON literals or plain strings).</summary>
    public List<string> Values { get; set; } = [];

    /// <summary>The choice values as the form's text box shows them: comma-separated (typing a comma separates values).</summary>
    public string Choices
    {
        get => string.Join(", ", Values);
        set => Values = [.. (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    public IReadOnlyList<string> ChoiceList => Values;

    public ParameterForm Clone()
    {
        var copy = (ParameterForm)MemberwiseClone();
        copy.Values = [.. Values];
        return copy;
    }
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
    /// <summary>Seed of random search and TPE; empty draws a fresh one at launch (shown on the sweep's page).</summary>
    public int? Seed { get; set; }
    public int Priority { get; set; }
    public bool EarlyStopping { get; set; }
    public long AshaMinSteps { get; set; } = 20;
    public int AshaReductionFactor { get; set; } = 2;
    public string EvalSet { get; set; } = "demo-eval";
    public string Tokenizer { get; set; } = "bytes";

    /// <summary>Grids larger than this are refused (the default <see cref="InputLimits.MaxGridSize"/>).</summary>
    public static int MaxGridSize => InputLimits.Default.MaxGridSize;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex PathPattern();

    /// <summary>
    /// Every problem, each naming its field (<c>steps</c>, <c>parameters[1].values[2]</c> ...); empty when the form can be
    /// launched. Config values are judged by the run-config schema, so the form, the YAML and the grains agree.
    /// </summary>
    public IReadOnlyList<SpecError> Validate(RunConfigSchema? schema = null)
    {
        schema ??= RunConfigSchema.Default;
        var limits = schema.Limits;
        var errors = new List<SpecError>();
        void Error(string path, string message) => errors.Add(new SpecError(path, message));
        void Check(string field, string configPath, JsonNode? value)
        {
            if (schema.CheckValue(configPath, value) is { } problem) Error(field, problem);
        }

        if (CheckName(Name, limits) is { } nameProblem) Error("name", nameProblem);
        Check("basePreset", "model.preset", BasePreset ?? "");
        Check("steps", "training.steps", Steps);
        Check("learningRate", "training.lr", LearningRate);
        if (MaxConcurrentRuns < 1 || MaxConcurrentRuns > limits.MaxConcurrentRuns)
            Error("maxConcurrentRuns", $"must be a whole number from 1 to {limits.MaxConcurrentRuns:N0} (limit MaxConcurrentRuns), got {MaxConcurrentRuns}");
        if (MaxRuns is null && Method != SearchMethod.Grid) Error("maxRuns", $"a {Method.ToString().ToLowerInvariant()} sweep needs a budget (max runs)");
        if (MaxRuns is { } budget && (budget < 1 || budget > limits.MaxRuns))
            Error("maxRuns", $"must be a whole number from 1 to {limits.MaxRuns:N0} (limit MaxRuns), got {budget}");
        Check("evalSet", "data.eval_set", EvalSet ?? "");
        Check("tokenizer", "data.tokenizer", Tokenizer ?? "");
        if (Parameters.Count == 0) Error("parameters", "add at least one parameter to search");
        if (Parameters.Count > limits.MaxParameters)
            Error("parameters", $"lists {Parameters.Count:N0} parameters; at most {limits.MaxParameters:N0} are allowed (limit MaxParameters)");
        if (EarlyStopping)
        {
            if (AshaMinSteps < 1 || AshaMinSteps >= Steps) Error("earlyStopping.minSteps", $"the first rung must be between 1 and {Math.Max(1, Steps - 1)} steps (below steps), got {AshaMinSteps}");
            if (AshaReductionFactor < 2) Error("earlyStopping.reductionFactor", $"must be at least 2, got {AshaReductionFactor}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Parameters.Count; i++)
        {
            ValidateParameter(Parameters[i], $"parameters[{i}]", schema, seen, Error);
        }

        if (Method == SearchMethod.Grid && errors.Count == 0 && GridSize() is { } size && size > limits.MaxGridSize)
            Error("parameters", $"the grid has {size:N0} combinations; at most {limits.MaxGridSize:N0} are allowed (limit MaxGridSize)");

        // Each field is fine: now what they make together (the batch fits the preset's group size ...), for the base
        // config and for the base config with each candidate value (experts on a dense preset would silently do nothing).
        if (errors.Count == 0)
        {
            var baseConfig = BaseConfig();
            foreach (var problem in schema.Validate(baseConfig))
                Error(FormField(problem.Path), problem.Message);
            if (errors.Count == 0)
            {
                for (var i = 0; i < Parameters.Count; i++)
                    CheckCandidatesTogether(Parameters[i], $"parameters[{i}]", baseConfig, schema, Error);
            }
        }
        return errors;
    }

    private void ValidateParameter(ParameterForm p, string at, RunConfigSchema schema, HashSet<string> seen, Action<string, string> error)
    {
        var path = p.Path?.Trim() ?? "";
        var setting = schema.Find(path);
        if (setting is null)
            error($"{at}.path", path.Length == 0 ? "name the config setting to search, e.g. training.lr" : schema.CheckPath(path)!);
        else if (!seen.Add(path))
            error($"{at}.path", $"'{path}' is searched twice");

        if (p.Kind == ParameterKind.Choice)
        {
            if (p.Values.Count == 0) error($"{at}.values", "list at least one value");
            if (p.Values.Count > schema.Limits.MaxChoiceValues)
                error($"{at}.values", $"lists {p.Values.Count:N0} values; at most {schema.Limits.MaxChoiceValues:N0} are allowed (limit MaxChoiceValues)");
            for (var j = 0; setting is not null && j < p.Values.Count && j < schema.Limits.MaxChoiceValues; j++)
            {
                if (schema.CheckValue(setting, ChoiceValue(p.Values[j])) is { } problem) error($"{at}.values[{j}]", problem);
            }
            return;
        }

        if (setting is { Kind: not (SettingKind.Integer or SettingKind.Number) })
        {
            error($"{at}.kind", $"{path} is {(setting.Kind == SettingKind.Flag ? "true or false" : "not a number")}: search it with choice");
            return;
        }
        if (setting is { Kind: SettingKind.Integer } && p.Kind != ParameterKind.Int)
        {
            error($"{at}.kind", $"{path} is a whole number: search it with int or choice");
            return;
        }
        if (p.Low is null) error($"{at}.low", "set the lower bound");
        if (p.High is null) error($"{at}.high", "set the upper bound");
        var lowProblem = p.Low is { } low && setting is not null ? schema.CheckValue(setting, low) : null;
        var highProblem = p.High is { } high && setting is not null ? schema.CheckValue(setting, high) : null;
        if (lowProblem is not null) error($"{at}.low", lowProblem);
        if (highProblem is not null) error($"{at}.high", highProblem);
        if (p.Low is { } l && p.High is { } h)
        {
            if (highProblem is null && (p.Kind == ParameterKind.Int ? l > h : l >= h)) error($"{at}.high", $"must be above the lower bound ({Format(l)}), got {Format(h)}");
            if (lowProblem is null && p.Kind == ParameterKind.LogUniform && l <= 0) error($"{at}.low", $"a log-uniform range must start above 0, got {Format(l)}");
        }
        if (p.Kind == ParameterKind.Int && p.Step is { } step && (step < 1 || step != Math.Floor(step) || !double.IsFinite(step)))
            error($"{at}.step", $"must be a whole number of at least 1, got {Format(step)}");
        if (p.Kind != ParameterKind.Int && p.Step is not null) error($"{at}.step", "only int parameters take a step");
        if (Method == SearchMethod.Grid && p.Kind is ParameterKind.Uniform or ParameterKind.LogUniform)
            error($"{at}.kind", "a grid needs discrete values: use choice or int");
    }

    private static void CheckCandidatesTogether(ParameterForm p, string at, JsonObject baseConfig, RunConfigSchema schema, Action<string, string> error)
    {
        var candidates = p.Kind == ParameterKind.Choice
            ? p.Values.Select((v, j) => ($"{at}.values[{j}]", ChoiceValue(v)))
            : [($"{at}.low", Number(p.Kind, p.Low!.Value)), ($"{at}.high", Number(p.Kind, p.High!.Value))];
        foreach (var (field, value) in candidates)
        {
            var trial = (JsonObject)baseConfig.DeepClone();
            JsonConfig.Set(trial, p.Path.Trim(), value?.DeepClone());
            var problem = schema.Validate(trial).FirstOrDefault();
            if (problem is not null)
            {
                error(field, problem.Path == p.Path.Trim() ? problem.Message : $"with this value, {problem.Path} {problem.Message}");
                return; // one line per parameter is enough to see the conflict
            }
        }
    }

    private static JsonNode Number(ParameterKind kind, double value) =>
        kind == ParameterKind.Int ? JsonValue.Create((long)value) : JsonValue.Create(value);

    /// <summary>Null when the sweep name is fine, otherwise the problem.</summary>
    public static string? CheckName(string? name, InputLimits limits)
    {
        if (string.IsNullOrWhiteSpace(name)) return "give the sweep a name";
        if (name.Length > limits.MaxNameLength)
            return $"is {name.Length:N0} characters long; at most {limits.MaxNameLength:N0} are allowed (limit MaxNameLength)";
        if (name.Any(char.IsControl)) return "must not contain control characters (tabs, line breaks ...)";
        if (name.Contains('\uFFFD')) return "contains a character that is not valid text (the file is not clean UTF-8)";
        return null;
    }

    /// <summary>A choice value as the grains will set it: a JSON literal, or plain text.</summary>
    public static JsonNode? ChoiceValue(string literal) => JsonConfig.ParseLiteral(literal);

    /// <summary>The run config every trial starts from.</summary>
    public JsonObject BaseConfig()
    {
        var preset = PresetCatalog.Find(BasePreset);
        return preset is null
            ? new JsonObject
            {
                ["model"] = new JsonObject { ["preset"] = BasePreset },
                ["training"] = new JsonObject { ["steps"] = Steps, ["lr"] = LearningRate },
                ["data"] = new JsonObject { ["eval_set"] = EvalSet, ["tokenizer"] = Tokenizer },
            }
            : RunConfigFactory.Build(preset, new TrainingSettings(Steps, LearningRate), (EvalSet ?? "").Trim(), (Tokenizer ?? "").Trim());
    }

    /// <summary>The form field that holds a run-config path (for errors about the base config).</summary>
    private static string FormField(string configPath) => configPath switch
    {
        "model.preset" or "model.family" or "model.seq_len" or "training.batch_size" => "basePreset",
        "training.steps" => "steps",
        "training.lr" => "learningRate",
        "data.eval_set" => "evalSet",
        "data.tokenizer" => "tokenizer",
        _ => configPath,
    };

    /// <summary>The first error of <paramref name="field"/>, for the field's helper text.</summary>
    public string? ErrorFor(IReadOnlyList<SpecError> errors, string field)
    {
        var messages = errors.Where(e => e.Path == field || e.Path.StartsWith(field + "[", StringComparison.Ordinal))
            .Select(e => e.Path == field ? e.Message : $"{e.Path[field.Length..]}: {e.Message}").ToList();
        return messages.Count == 0 ? null : string.Join(" · ", messages);
    }

    /// <summary>How many runs the sweep will create, or null when the form does not say yet.</summary>
    public long? EstimateRunCount() => Method switch
    {
        _ when MaxRuns is < 1 => null,
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
                case ParameterKind.Int when p.Low is { } low && p.High is { } high && high >= low && double.IsFinite(high - low):
                    count = (long)Math.Min(9e18, Math.Floor((high - low) / (p.Step is >= 1 ? p.Step.Value : 1) + 1e-9) + 1);
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
        return new SweepSpec(
            owner,
            BaseConfig().ToJsonString(),
            [.. Parameters.Select(p => new SearchParameter(
                p.Path.Trim(),
                p.Kind,
                p.Kind == ParameterKind.Choice ? [.. p.Values] : null,
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
