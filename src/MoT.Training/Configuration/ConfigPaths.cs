using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoT.Training.Configuration;

/// <summary>Reads config values by dotted path (<c>training.lr</c>) without ever throwing on a wrong type.</summary>
public static class ConfigPaths
{
    /// <summary>The node at a dotted path, or null when any segment is missing.</summary>
    public static JsonNode? Get(JsonObject root, string path)
    {
        JsonNode? current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(segment, out current)) return null;
        }
        return current;
    }

    /// <summary>Text at the path, or null when absent or not text.</summary>
    public static string? GetText(JsonObject root, string path) =>
        Get(root, path) is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>A whole number at the path (also written as text, "8", as older sweep choices did), or null.</summary>
    public static long? GetInteger(JsonObject root, string path) => Get(root, path) switch
    {
        JsonValue value when TryNumber(value, out var real, out var exact) => exact ?? (real == Math.Floor(real) && Math.Abs(real) < 9e15 ? (long)real : null),
        JsonValue value when value.GetValueKind() == JsonValueKind.String && long.TryParse(value.GetValue<string>(), out var parsed) => parsed,
        _ => null,
    };

    /// <summary>
    /// The number a JSON value holds, whichever CLR type backs it (parsed text, long, int, double ...); <paramref name="exact"/>
    /// is set when it is a 64-bit whole number (so 9223372036854775807 is not compared after rounding to a double).
    /// Text is never a number here.
    /// </summary>
    public static bool TryNumber(JsonValue value, out double number, out long? exact)
    {
        exact = null;
        if (value.TryGetValue<JsonElement>(out var element))
        {
            number = 0;
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out number)) return false;
            if (element.TryGetInt64(out var whole)) exact = whole;
            return true;
        }
        if (value.TryGetValue<long>(out var l)) { (number, exact) = (l, l); return true; }
        if (value.TryGetValue<int>(out var i)) { (number, exact) = (i, i); return true; }
        if (value.TryGetValue<double>(out number)) return true;
        if (value.TryGetValue<float>(out var f)) { number = f; return true; }
        if (value.TryGetValue<decimal>(out var m)) { number = (double)m; return true; }
        number = 0;
        return false;
    }

    /// <summary>Parses text that must be one JSON object; null with <paramref name="problem"/> otherwise.</summary>
    public static JsonObject? ParseObject(string? json, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            problem = "is empty; expected a JSON object of settings";
            return null;
        }
        try
        {
            if (JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) is JsonObject obj) return obj;
            problem = "must be a JSON object of settings";
        }
        catch (JsonException error)
        {
            problem = $"is not valid JSON ({error.Message})";
        }
        return null;
    }
}
