using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Training.Configuration;

namespace MoT.Silo.Sweeps;

/// <summary>
/// Reads a parsed sweep YAML document into a <see cref="SweepForm"/>, strictly: unknown keys are errors with a "did you
/// mean", every value must have the key's type and fit its range (no truncation, no splitting), and every problem is
/// collected, each named by its key path. Values the run-config schema judges (preset, steps, parameter values ...)
/// are left to <see cref="SweepForm.Validate"/>.
/// </summary>
internal sealed class DocumentReader(RunConfigSchema schema)
{
    private static readonly string[] TopKeys =
        ["name", "preset", "steps", "learningRate", "method", "maxConcurrentRuns", "maxRuns", "seed", "priority", "evalSet", "tokenizer", "earlyStopping", "parameters"];

    private static readonly string[] AshaKeys = ["minSteps", "reductionFactor"];

    private static readonly string[] ParameterKeys = ["path", "kind", "low", "high", "step", "values"];

    private const string Shape = "a mapping of settings (name:, preset:, method:, parameters: ...)";

    public List<SpecError> Errors { get; } = [];

    private InputLimits Limits => schema.Limits;

    public SweepForm ReadForm(JsonNode? root)
    {
        var defaults = new SweepForm();
        switch (root)
        {
            case null:
                Errors.Add(new SpecError("", $"the file is empty: a sweep is {Shape}"));
                return defaults;
            case JsonArray:
                Errors.Add(new SpecError("", $"a sweep file must be {Shape}, not a list"));
                return defaults;
            case JsonValue:
                Errors.Add(new SpecError("", $"a sweep file must be {Shape}, not a single value"));
                return defaults;
        }

        var top = (JsonObject)root;
        CheckKeys(top, "", TopKeys);
        var form = new SweepForm
        {
            Name = Text(top, "name") ?? "",
            BasePreset = Text(top, "preset") ?? "",
            Steps = Steps(top) ?? defaults.Steps,
            LearningRate = Number(top, "learningRate") ?? defaults.LearningRate,
            Method = Method(top),
            MaxConcurrentRuns = (int?)Whole(top, "maxConcurrentRuns", 1, Limits.MaxConcurrentRuns, nameof(InputLimits.MaxConcurrentRuns)) ?? defaults.MaxConcurrentRuns,
            MaxRuns = (int?)Whole(top, "maxRuns", 1, Limits.MaxRuns, nameof(InputLimits.MaxRuns)),
            Seed = (int?)Whole(top, "seed", int.MinValue, int.MaxValue),
            Priority = (int?)Whole(top, "priority", -1_000_000, 1_000_000) ?? 0,
            EvalSet = Text(top, "evalSet") ?? defaults.EvalSet,
            Tokenizer = Text(top, "tokenizer") ?? defaults.Tokenizer,
        };
        if (top.TryGetPropertyValue("earlyStopping", out var asha))
        {
            form.EarlyStopping = true;
            if (asha is JsonObject ashaMap)
            {
                CheckKeys(ashaMap, "earlyStopping", AshaKeys);
                form.AshaMinSteps = Whole(ashaMap, "minSteps", 1, Limits.MaxSteps, nameof(InputLimits.MaxSteps), "earlyStopping") ?? defaults.AshaMinSteps;
                form.AshaReductionFactor = (int?)Whole(ashaMap, "reductionFactor", 2, 1_000, null, "earlyStopping") ?? defaults.AshaReductionFactor;
            }
            else if (asha is not null)
            {
                Errors.Add(new SpecError("earlyStopping", $"must be a mapping (minSteps:, reductionFactor:), got {RunConfigSchema.Describe(asha)}"));
            }
        }

        form.Parameters = Parameters(top);
        return form;
    }

    private List<ParameterForm> Parameters(JsonObject top)
    {
        if (!top.TryGetPropertyValue("parameters", out var node) || node is null) return [];
        if (node is not JsonArray list)
        {
            Errors.Add(new SpecError("parameters", $"must be a list of parameters (- path: ..., kind: ...), got {RunConfigSchema.Describe(node)}"));
            return [];
        }
        if (list.Count > Limits.MaxParameters)
        {
            Errors.Add(new SpecError("parameters", $"lists {list.Count:N0} parameters; at most {Limits.MaxParameters:N0} are allowed (limit MaxParameters)"));
            return [];
        }

        var parameters = new List<ParameterForm>();
        for (var i = 0; i < list.Count; i++)
        {
            var at = $"parameters[{i}]";
            if (list[i] is not JsonObject map)
            {
                Errors.Add(new SpecError(at, $"must be a mapping (path:, kind:, ...), got {RunConfigSchema.Describe(list[i])}"));
                continue;
            }
            CheckKeys(map, at, ParameterKeys);
            parameters.Add(new ParameterForm
            {
                Path = Text(map, "path", at) ?? "",
                Kind = Kind(map, at),
                Low = Number(map, "low", at),
                High = Number(map, "high", at),
                Step = Number(map, "step", at),
                Values = Values(map, at),
            });
        }
        return parameters;
    }

    /// <summary>Choice values: each one scalar, kept as written ("4,8" stays one value).</summary>
    private List<string> Values(JsonObject map, string at)
    {
        if (!map.TryGetPropertyValue("values", out var node) || node is null) return [];
        var path = $"{at}.values";
        if (node is not JsonArray list)
        {
            Errors.Add(new SpecError(path, $"must be a list of values ([a, b, c]), got {RunConfigSchema.Describe(node)}"));
            return [];
        }
        if (list.Count > Limits.MaxChoiceValues)
        {
            Errors.Add(new SpecError(path, $"lists {list.Count:N0} values; at most {Limits.MaxChoiceValues:N0} are allowed (limit MaxChoiceValues)"));
            return [];
        }
        var values = new List<string>();
        for (var j = 0; j < list.Count; j++)
        {
            switch (list[j])
            {
                case null:
                    Errors.Add(new SpecError($"{path}[{j}]", "is empty (null); give a value"));
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    var text = value.GetValue<string>();
                    if (text.Length > Limits.MaxTextLength)
                        Errors.Add(new SpecError($"{path}[{j}]", $"is {text.Length:N0} characters long; at most {Limits.MaxTextLength:N0} are allowed (limit MaxTextLength)"));
                    else values.Add(text);
                    break;
                case JsonValue value:
                    values.Add(RunConfigSchema.Describe(value));
                    break;
                default:
                    Errors.Add(new SpecError($"{path}[{j}]", $"must be a single value, not {RunConfigSchema.Describe(list[j])}"));
                    break;
            }
        }
        return values;
    }

    private void CheckKeys(JsonObject map, string at, string[] known)
    {
        foreach (var (key, _) in map)
        {
            if (known.Contains(key, StringComparer.Ordinal)) continue;
            var path = at.Length == 0 ? key : $"{at}.{key}";
            Errors.Add(new SpecError(RunConfigSchema.Shorten(path), $"'{RunConfigSchema.Shorten(key)}' is not a sweep setting{EditDistance.Suggestion(key, known)}"));
        }
    }

    private string? Text(JsonObject map, string key, string at = "")
    {
        if (!map.TryGetPropertyValue(key, out var node) || node is null) return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String) return value.GetValue<string>();
        if (node is JsonValue scalar) return RunConfigSchema.Describe(scalar); // a name such as 2026 is fine as text
        Errors.Add(new SpecError(Join(at, key), $"must be text, got {RunConfigSchema.Describe(node)}"));
        return null;
    }

    private double? Number(JsonObject map, string key, string at = "")
    {
        if (!map.TryGetPropertyValue(key, out var node) || node is null) return null;
        if (node is JsonValue value && ConfigPaths.TryNumber(value, out var number, out _) && double.IsFinite(number))
            return number;
        Errors.Add(new SpecError(Join(at, key), $"must be a number, got {RunConfigSchema.Describe(node)}"));
        return null;
    }

    /// <summary>A whole number within [min, max]; out of range is an error naming the limit, never a truncation.</summary>
    private long? Whole(JsonObject map, string key, long min, long max, string? limit = null, string at = "")
    {
        if (!map.TryGetPropertyValue(key, out var node) || node is null) return null;
        var path = Join(at, key);
        if (node is not JsonValue value || !ConfigPaths.TryNumber(value, out var number, out var exact))
        {
            Errors.Add(new SpecError(path, $"must be a whole number, got {RunConfigSchema.Describe(node)}"));
            return null;
        }
        if (number != Math.Floor(number))
        {
            Errors.Add(new SpecError(path, $"must be a whole number, got {RunConfigSchema.Describe(node)}"));
            return null;
        }
        if (exact is not { } whole)
        {
            Errors.Add(new SpecError(path, $"must be {Range(min, max, limit)}, got {RunConfigSchema.Describe(node)}"));
            return null;
        }
        if (whole < min || whole > max)
        {
            Errors.Add(new SpecError(path, $"must be {Range(min, max, limit)}, got {whole.ToString(CultureInfo.InvariantCulture)}"));
            return null;
        }
        return whole;
    }

    /// <summary>Steps as written when it is a 64-bit whole number (the form's check judges its range), else the schema's error.</summary>
    private long? Steps(JsonObject top)
    {
        if (!top.TryGetPropertyValue("steps", out var node) || node is null) return null;
        if (node is JsonValue value && ConfigPaths.TryNumber(value, out _, out var exact) && exact is { } whole) return whole;
        Errors.Add(new SpecError("steps", schema.CheckValue("training.steps", node) ?? $"must be a whole number, got {RunConfigSchema.Describe(node)}"));
        return null;
    }

    private static string Range(long min, long max, string? limit) =>
        $"a whole number from {min:N0} to {max:N0}" + (limit is null ? "" : $" (limit {limit})");

    private ParameterKind Kind(JsonObject map, string at)
    {
        var text = Text(map, "kind", at);
        switch (text?.Trim().ToLowerInvariant().Replace("-", "").Replace("_", ""))
        {
            case "choice": return ParameterKind.Choice;
            case "uniform": return ParameterKind.Uniform;
            case "loguniform" or "log": return ParameterKind.LogUniform;
            case "int" or "integer": return ParameterKind.Int;
            case null when text is null:
                Errors.Add(new SpecError($"{at}.kind", "is required: one of choice, uniform, log-uniform, int"));
                return ParameterKind.Choice;
            default:
                Errors.Add(new SpecError($"{at}.kind", $"'{RunConfigSchema.Shorten(text ?? "")}' is not one of choice, uniform, log-uniform, int"));
                return ParameterKind.Choice;
        }
    }

    private SearchMethod Method(JsonObject top)
    {
        var text = Text(top, "method");
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "random": return SearchMethod.Random;
            case "grid": return SearchMethod.Grid;
            case "tpe": return SearchMethod.Tpe;
            default:
                Errors.Add(new SpecError("method", $"'{RunConfigSchema.Shorten(text)}' is not one of grid, random, tpe"));
                return SearchMethod.Random;
        }
    }

    private static string Join(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";
}
