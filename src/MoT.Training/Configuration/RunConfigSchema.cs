using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Training.Data;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Training.Configuration;

/// <summary>
/// The one declaration of what a run config may say: every path, its type, range and allowed values (families,
/// presets, tokenizers, eval sets, devices, precision), with named <see cref="InputLimits"/>. The CLI, the sweep
/// parsers, the dashboard forms and the grains all validate through it, so each rule lives here and nowhere else.
/// </summary>
public sealed partial class RunConfigSchema
{
    /// <summary>Model families a run config may name (Dense and Transformer are the same dense model).</summary>
    public static IReadOnlyList<string> Families { get; } = ["Dense", "Transformer", "MoT", "TokenChoice", "ExpertChoice"];

    /// <summary>Model sizes (the presets' second word).</summary>
    public static IReadOnlyList<string> Sizes => ModelPresets.SizeNames;

    /// <summary>Eval sets known by name; any other name must end in <c>-eval</c> (a team's own held-out set).</summary>
    public static IReadOnlyList<string> EvalSets { get; } = ["demo-eval", "synthetic-eval"];

    public static RunConfigSchema Default { get; } = new(InputLimits.Default);

    public RunConfigSchema(InputLimits limits)
    {
        Limits = limits;
        Settings = Declare(limits);
        _byRunPath = Settings.Where(s => s.RunPath is not null).ToDictionary(s => s.RunPath!, StringComparer.Ordinal);
        _byDocumentPath = Settings.Where(s => s.DocumentPath is not null).ToDictionary(s => s.DocumentPath!, StringComparer.OrdinalIgnoreCase);
        _runSections = Sections(_byRunPath.Keys, StringComparer.Ordinal);
        // Other spellings of each run path (the trainer document's name, snake_case of it) for "did you mean".
        _runAliases = [.. Settings.Where(s => s.RunPath is not null).SelectMany(s => RunAliases(s).Select(alias => (alias, s.RunPath!)))];
        _documentSections = Sections(_byDocumentPath.Keys, StringComparer.OrdinalIgnoreCase);
    }

    public InputLimits Limits { get; }

    /// <summary>Every setting, in documentation order.</summary>
    public IReadOnlyList<ConfigSetting> Settings { get; }

    /// <summary>The run-config paths (what sweeps search and the dashboard writes).</summary>
    public IEnumerable<string> RunPaths => _byRunPath.Keys;

    private readonly Dictionary<string, ConfigSetting> _byRunPath;
    private readonly Dictionary<string, ConfigSetting> _byDocumentPath;
    private readonly HashSet<string> _runSections;
    private readonly HashSet<string> _documentSections;
    private readonly List<(string Alias, string Target)> _runAliases;

    private static IEnumerable<string> RunAliases(ConfigSetting setting)
    {
        yield return setting.RunPath!;
        if (setting.DocumentPath is not { } document) yield break;
        var runPath = setting.RunPath!;
        var section = runPath[..Math.Max(0, runPath.IndexOf('.'))];
        var leaf = document[(document.LastIndexOf('.') + 1)..];
        yield return $"{section}.{leaf}";
        yield return $"{section}.{SnakeCase(leaf)}";
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private string RunSuggestion(string typed) =>
        EditDistance.Closest(typed, _runAliases) is { } match ? $"; did you mean '{match}'?" : "";

    /// <summary>The setting at a run-config path, or null.</summary>
    public ConfigSetting? Find(string runPath) => _byRunPath.GetValueOrDefault(runPath);

    /// <summary>Null when <paramref name="runPath"/> is a run-config setting; otherwise the problem, with a "did you mean".</summary>
    public string? CheckPath(string runPath) =>
        _byRunPath.ContainsKey(runPath) ? null : $"'{Shorten(runPath)}' is not a config setting{RunSuggestion(runPath)}";

    /// <summary>Null when <paramref name="value"/> is allowed at <paramref name="runPath"/>; otherwise the problem (unknown paths too).</summary>
    public string? CheckValue(string runPath, JsonNode? value) =>
        CheckPath(runPath) ?? CheckValue(_byRunPath[runPath], value);

    /// <summary>Every problem of a run config (either shape), each naming its path; empty when it can run.</summary>
    public IReadOnlyList<ConfigProblem> Validate(string? configJson) =>
        ConfigPaths.ParseObject(configJson, out var problem) is { } root ? Validate(root) : [new ConfigProblem("config", problem!)];

    /// <summary>Every problem of a run config (either shape), each naming its path; empty when it can run.</summary>
    public IReadOnlyList<ConfigProblem> Validate(JsonObject root)
    {
        var problems = new List<ConfigProblem>();
        var runShape = RunConfigTranslator.IsRunConfigShape(root);
        Walk(root, "", runShape, problems);
        if (problems.Count > 0) return problems;

        if (runShape) CheckExpertsApply(root, problems);
        if (problems.Count > 0) return problems;

        // The fields are each fine; now what they make together: the preset resolves, the batch fits the group size ...
        TrainingConfig config;
        try
        {
            config = RunConfigTranslator.Translate(root).Validate();
        }
        catch (ModelConfigException error)
        {
            return [Problem(error, runShape)];
        }
        // ... and the resolved model (a preset may imply 9,000 experts) stays within the limits.
        if (runShape) Walk(ToDocument(config), "", runShape: false, problems, resolved: true, fromConfig: true);
        return problems;
    }

    /// <summary>Every problem of a finished trainer config (e.g. after <c>mot train</c>'s flags), by document path.</summary>
    public IReadOnlyList<ConfigProblem> Validate(TrainingConfig config)
    {
        var problems = new List<ConfigProblem>();
        Walk(ToDocument(config), "", runShape: false, problems, fromConfig: true);
        if (problems.Count > 0) return problems;
        try
        {
            config.Validate();
        }
        catch (ModelConfigException error)
        {
            problems.Add(Problem(error, runShape: false));
        }
        return problems;
    }

    private static JsonObject ToDocument(TrainingConfig config) =>
        JsonSerializer.SerializeToNode(config, ConfigJson.Options)!.AsObject();

    /// <param name="resolved">Values the preset resolved to (not what the user wrote): say so in each problem.</param>
    /// <param name="fromConfig">A serialized <see cref="TrainingConfig"/>: its computed properties are not settings to judge.</param>
    private void Walk(JsonObject node, string prefix, bool runShape, List<ConfigProblem> problems, bool resolved = false, bool fromConfig = false)
    {
        foreach (var (key, value) in node)
        {
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            var setting = runShape ? _byRunPath.GetValueOrDefault(path) : _byDocumentPath.GetValueOrDefault(path);
            var isSection = (runShape ? _runSections : _documentSections).Contains(path);
            if (setting is not null)
            {
                if (CheckValue(setting, value) is { } problem)
                    problems.Add(new ConfigProblem(path, resolved ? $"{problem} (as the preset resolves)" : problem));
            }
            else if (isSection)
            {
                if (value is JsonObject section) Walk(section, path, runShape, problems, resolved, fromConfig);
                else if (value is not null) problems.Add(new ConfigProblem(path, $"must be a section of settings, got {Describe(value)}"));
            }
            else if (!resolved && !fromConfig)
            {
                var suggestion = runShape ? RunSuggestion(path) : EditDistance.Suggestion(path, _byDocumentPath.Keys);
                problems.Add(new ConfigProblem(path, $"'{Shorten(path)}' is not a config setting{suggestion}"));
            }
        }
    }

    /// <summary>Experts and granularity change MoT/MoE models; on a dense model they would silently do nothing.</summary>
    private static void CheckExpertsApply(JsonObject root, List<ConfigProblem> problems)
    {
        var family = ConfigPaths.GetText(root, "model.preset") is { } preset ? preset.Split('-')[0] : ConfigPaths.GetText(root, "model.family") ?? "Dense";
        if (!family.Equals("Dense", StringComparison.OrdinalIgnoreCase) && !family.Equals("Transformer", StringComparison.OrdinalIgnoreCase)) return;
        foreach (var path in new[] { "model.experts", "model.granularity" })
            if (ConfigPaths.Get(root, path) is not null)
                problems.Add(new ConfigProblem(path, "a dense Transformer has no experts: set model.family (or a MoT/MoE preset) too"));
    }

    private ConfigProblem Problem(ModelConfigException error, bool runShape)
    {
        var prefix = $"invalid config: {error.Field} ";
        var message = error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
        // The trainer names fields as in TrainingConfig (BatchSize, MixtureOfTokens.GroupSize); say them as the user wrote them.
        var setting = Settings.FirstOrDefault(s => s.DocumentPath is not null &&
            (s.DocumentPath.Equals(error.Field, StringComparison.OrdinalIgnoreCase) || s.DocumentPath.EndsWith("." + error.Field, StringComparison.OrdinalIgnoreCase)));
        var path = setting is null ? Camel(error.Field) : runShape ? setting.RunPath ?? setting.DocumentPath! : setting.DocumentPath!;
        return new ConfigProblem(path, message);
    }

    private static string Camel(string field) =>
        string.Join('.', field.Split('.').Select(s => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..]));

    /// <summary>Null when the value suits the setting, otherwise the problem in one line.</summary>
    public string? CheckValue(ConfigSetting setting, JsonNode? value)
    {
        if (value is null) return null; // null means "the default"
        switch (setting.Kind)
        {
            case SettingKind.IntegerList:
                if (value is not JsonArray list) return $"must be a list of whole numbers, got {Describe(value)}";
                for (var i = 0; i < list.Count; i++)
                    if (CheckNumber(setting, list[i], whole: true) is { } problem) return $"[{i}] {problem}";
                return null;
            case SettingKind.Integer:
                return CheckNumber(setting, value, whole: true);
            case SettingKind.Number:
                return CheckNumber(setting, value, whole: false);
            case SettingKind.Flag:
                return value is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? null : $"must be true or false, got {Describe(value)}";
            default:
                return CheckText(setting, value);
        }
    }

    private static string? CheckNumber(ConfigSetting setting, JsonNode? value, bool whole)
    {
        var expected = whole ? "a whole number" : "a number";
        if (value is not JsonValue scalar || !ConfigPaths.TryNumber(scalar, out var number, out var exact))
            return $"must be {expected}, got {Describe(value)}";
        if (!double.IsFinite(number)) return $"must be a finite number, got {Describe(value)}";
        if (whole && number != Math.Floor(number)) return $"must be a whole number, got {Describe(value)}";
        var tooLow = setting.Min is { } min && (setting.MinExclusive ? number <= min : number < min);
        var tooHigh = setting.Max is { } max && (setting.MaxExclusive ? number >= max : number > max);
        // Compare exactly when the value is a long beyond double precision (9223372036854775807 must not round into range).
        if (exact is { } e && setting.Max is { } maxWhole && maxWhole < 9e15 && e > (long)maxWhole) tooHigh = true;
        return tooLow || tooHigh ? $"must be {expected} {setting.RangeText}, got {Describe(value)}" : null;
    }

    private static string? CheckText(ConfigSetting setting, JsonNode value)
    {
        if (value is not JsonValue scalar || scalar.GetValueKind() != JsonValueKind.String)
            return $"must be {(setting.Allowed is not null ? "one of " + string.Join(", ", setting.Allowed) : "text")}, got {Describe(value)}";
        var text = scalar.GetValue<string>();
        if (text.Length > setting.MaxLength)
            return $"is {text.Length:N0} characters long; at most {setting.MaxLength:N0} are allowed (limit {setting.Limit})";
        if (text.Any(char.IsControl)) return "must not contain control characters (tabs, line breaks ...)";
        if (text.Any(char.IsSurrogate) && !IsWellFormed(text)) return "is not valid Unicode text";
        if (string.IsNullOrWhiteSpace(text)) return "must not be empty";
        if (setting.Allowed is { } allowed && !allowed.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase))
            return $"'{Shorten(text)}' is not one of {string.Join(", ", allowed)}{EditDistance.Suggestion(text.Trim(), allowed)}";
        return setting.Rule?.Invoke(text.Trim());
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    /// <summary>A value as the user wrote it, for errors: text quoted and cut short, numbers as written.</summary>
    public static string Describe(JsonNode? value) => value switch
    {
        null => "nothing (null)",
        JsonObject => "a section of settings",
        JsonArray => "a list",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{Shorten(v.GetValue<string>())}'",
        JsonValue v when ConfigPaths.TryNumber(v, out var d, out var exact) =>
            exact?.ToString(CultureInfo.InvariantCulture) ?? (double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "infinity" : "-infinity") : d.ToString("R", CultureInfo.InvariantCulture)),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        _ => "a value of an unknown kind",
    };

    /// <summary>User text as one error line can show it: control characters escaped (\n, \t), long text cut short.</summary>
    public static string Shorten(string text)
    {
        var cut = text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
        if (!cut.Any(c => char.IsControl(c) || char.IsSurrogate(c))) return cut;
        var escaped = new System.Text.StringBuilder(cut.Length + 8);
        foreach (var c in cut)
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return escaped.ToString();
    }

    private static HashSet<string> Sections(IEnumerable<string> paths, StringComparer comparer)
    {
        var sections = new HashSet<string>(comparer);
        foreach (var path in paths)
            for (var dot = path.IndexOf('.'); dot > 0; dot = path.IndexOf('.', dot + 1))
                sections.Add(path[..dot]);
        return sections;
    }

    internal static string? CheckPreset(string name, InputLimits limits)
    {
        try
        {
            var preset = ModelPresets.Get(name);
            var experts = preset.Config.MixtureOfTokens?.Experts ?? preset.Config.TokenChoice?.Experts ?? preset.Config.ExpertChoice?.Experts ?? 0;
            return experts > limits.MaxExperts ? $"'{name}' has {experts:N0} experts; at most {limits.MaxExperts:N0} are allowed (limit MaxExperts)" : null;
        }
        catch (ModelConfigException error)
        {
            const string prefix = "invalid config: Preset ";
            var problem = error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
            var close = EditDistance.Closest(name, ModelPresets.Known);
            return close is null || problem.Contains("did you mean", StringComparison.Ordinal) ? problem : $"{problem}; did you mean '{close}'?";
        }
        catch (OverflowException)
        {
            return $"'{Shorten(name)}': the expert count is far too large";
        }
    }

    internal static string? CheckTokenizer(string name)
    {
        if (name.Equals("bpe", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            CorpusData.ParseTokenizer(name);
            return null;
        }
        catch (FormatException)
        {
            return $"'{Shorten(name)}' is not a tokenizer: use bytes, bpe, cl100k, cl100k-compact or cl100k-compact:N (N >= 258)";
        }
    }

    internal static string? CheckEvalSet(string name) =>
        EvalSets.Contains(name, StringComparer.OrdinalIgnoreCase) || EvalSetName().IsMatch(name) ? null
        : $"'{Shorten(name)}' is not an eval set: use {string.Join(", ", EvalSets)} or your own name ending in -eval{EditDistance.Suggestion(name, EvalSets)}";

    internal static string? CheckDevice(string name)
    {
        var device = name.ToLowerInvariant();
        if (device is "auto" or "cpu" or "cuda") return null;
        return device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < 64
            ? null
            : $"'{Shorten(name)}' is not a device: use auto, cpu, cuda or cuda:N";
    }

    internal static string? CheckDataSource(string source) =>
        source.IndexOfAny(Path.GetInvalidPathChars()) >= 0 ? $"'{Shorten(source)}' is not a usable path" : null;

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*-eval$")]
    private static partial System.Text.RegularExpressions.Regex EvalSetName();
}
