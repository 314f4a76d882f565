using System.Text.Json.Nodes;

namespace MoT.Dashboard.Runs;

/// <summary>What the dashboard reads out of a run's config JSON (same paths the grains read).</summary>
public sealed record RunConfigFacts(string Family, string EvalSetId, string TokenizerId, string? Preset, long Steps, long TrainingTokens)
{
    public static RunConfigFacts From(string configJson)
    {
        JsonObject? root = null;
        try
        {
            root = JsonNode.Parse(configJson) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        string? Str(string a, string b) => root?[a]?[b] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        long? Num(string a, string b) => root?[a]?[b] is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : null;
        var steps = Num("training", "steps") ?? 0;
        var tokens = steps * (Num("training", "batch_size") ?? 1) * (Num("model", "seq_len") ?? 1);
        return new RunConfigFacts(Str("model", "family") ?? "Dense", Str("data", "eval_set") ?? "default", Str("data", "tokenizer") ?? "default",
            Str("model", "preset"), steps, tokens);
    }
}
