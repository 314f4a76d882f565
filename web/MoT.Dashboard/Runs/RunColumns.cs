using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Silo.Sweeps;

namespace MoT.Dashboard.Runs;

/// <summary>Where a column of the runs grid takes its value from.</summary>
public enum RunColumnGroup
{
    /// <summary>The run record itself (status, owner, sweep, ...).</summary>
    Run,

    /// <summary>A value of the run's config JSON (the paths the filter language reads as <c>config.&lt;path&gt;</c>).</summary>
    Config,

    /// <summary>A summary of the run's recorded metrics.</summary>
    Metric,
}

/// <summary>One column the user can show or hide on the runs page.</summary>
/// <param name="Key">Stable key (stored in the browser); config columns use their config path.</param>
/// <param name="VisibleByDefault">Shown before the user chose anything.</param>
public sealed record RunColumn(string Key, string Title, RunColumnGroup Group, bool VisibleByDefault);

/// <summary>
/// The runs grid's columns and which of them are shown. The choice is a comma-separated list of keys so that the
/// page can keep it in the browser's local storage; keys it does not know (an older dashboard) are ignored.
/// </summary>
public sealed class RunColumnChoice
{
    /// <summary>Key under which the page stores <see cref="Serialize"/> in local storage.</summary>
    public const string StorageKey = "mot.runs.columns";

    /// <summary>Every optional column, in grid order (the run id and the selection box are always shown).</summary>
    public static IReadOnlyList<RunColumn> All { get; } =
    [
        new("status", "Status", RunColumnGroup.Run, true),
        new("owner", "Owner", RunColumnGroup.Run, true),
        new("model", "Model", RunColumnGroup.Run, true),
        new("sweep", "Sweep", RunColumnGroup.Run, true),
        new("model.family", "Family", RunColumnGroup.Config, false),
        new("model.experts", "Experts", RunColumnGroup.Config, false),
        new("model.group_size", "Group size", RunColumnGroup.Config, false),
        new("model.seq_len", "Context", RunColumnGroup.Config, false),
        new("training.lr", "Learning rate", RunColumnGroup.Config, false),
        new("training.batch_size", "Batch", RunColumnGroup.Config, false),
        new("training.steps", "Steps", RunColumnGroup.Config, false),
        new("training.seed", "Seed", RunColumnGroup.Config, false),
        new("best_eval_loss", "Best eval loss", RunColumnGroup.Metric, true),
        new("last_train_loss", "Last train loss", RunColumnGroup.Metric, false),
        new("tokens_per_second", "Tokens/s", RunColumnGroup.Metric, true),
        new("duration", "Duration", RunColumnGroup.Run, true),
        new("attempt", "Attempts", RunColumnGroup.Run, true),
        new("created", "Created", RunColumnGroup.Run, true),
    ];

    private readonly HashSet<string> _visible = [.. All.Where(c => c.VisibleByDefault).Select(c => c.Key)];

    /// <summary>The config columns, in grid order.</summary>
    public static IReadOnlyList<RunColumn> ConfigColumns { get; } = [.. All.Where(c => c.Group == RunColumnGroup.Config)];

    public bool IsVisible(string key) => _visible.Contains(key);

    /// <summary>True when the column <paramref name="key"/> is hidden (what MudBlazor's <c>Hidden</c> wants).</summary>
    public bool IsHidden(string key) => !_visible.Contains(key);

    /// <summary>Shows or hides one column; unknown keys are ignored.</summary>
    public void Set(string key, bool visible)
    {
        if (All.All(c => c.Key != key)) return;
        if (visible) _visible.Add(key);
        else _visible.Remove(key);
    }

    /// <summary>Back to the default columns.</summary>
    public void Reset()
    {
        _visible.Clear();
        _visible.UnionWith(All.Where(c => c.VisibleByDefault).Select(c => c.Key));
    }

    /// <summary>The visible keys, comma-separated in grid order.</summary>
    public string Serialize() => string.Join(",", All.Where(c => _visible.Contains(c.Key)).Select(c => c.Key));

    /// <summary>Restores a choice saved by <see cref="Serialize"/>; null or empty text keeps the defaults.</summary>
    public void Restore(string? saved)
    {
        if (string.IsNullOrWhiteSpace(saved)) return;
        var keys = saved.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(k => All.Any(c => c.Key == k)).ToList();
        if (keys.Count == 0) return;
        _visible.Clear();
        _visible.UnionWith(keys);
    }
}

/// <summary>Reads config values for the runs grid's config columns out of a run's config JSON.</summary>
public static class RunConfigValues
{
    /// <summary>
    /// The value at <paramref name="path"/> (dotted) as display text, or null when the config lacks it. Experts and
    /// group size fall back to the run's preset (e.g. <c>MoT-Tiny/8E</c>) when the config does not spell them out.
    /// </summary>
    public static string? Read(string? configJson, string path)
    {
        var root = Parse(configJson);
        if (root is null) return null;
        if (Lookup(root, path) is { } value) return Text(value);
        return path switch
        {
            "model.experts" => PresetModel(root)?.Experts?.ToString(CultureInfo.InvariantCulture),
            "model.group_size" => PresetModel(root)?.GroupSize?.ToString(CultureInfo.InvariantCulture),
            "model.family" => PresetCatalog.Find(Lookup(root, "model.preset")?.ToString())?.Family,
            "model.seq_len" => PresetCatalog.Find(Lookup(root, "model.preset")?.ToString())?.SeqLen.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
    }

    /// <summary>The value at <paramref name="path"/> as a number, or null when absent or not numeric.</summary>
    public static double? ReadNumber(string? configJson, string path) =>
        double.TryParse(Read(configJson, path), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static JsonObject? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonNode? Lookup(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child : null;
            if (node is null) return null;
        }

        return node;
    }

    private static string Text(JsonNode value) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("G6", CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => value.ToJsonString(),
    };

    private static (int? Experts, int? GroupSize)? PresetModel(JsonObject root)
    {
        var name = Lookup(root, "model.preset") is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (PresetCatalog.Find(name) is not { } preset) return null;
        var config = MoT.Training.Models.ModelPresets.Get(preset.Name).Config;
        return (config.MixtureOfTokens?.Experts ?? config.TokenChoice?.Experts ?? config.ExpertChoice?.Experts,
            config.MixtureOfTokens?.GroupSize ?? config.ExpertChoice?.GroupSize);
    }
}
