using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoT.Grains.Configs;

/// <summary>Reads and writes run configs (JSON objects) by dotted path, e.g. <c>training.lr</c>.</summary>
public static class JsonConfig
{
    /// <summary>Parses a config; throws <see cref="FormatException"/> naming the problem when it is not a JSON object.</summary>
    public static JsonObject ParseObject(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON ({ex.Message})", ex);
        }

        return node as JsonObject ?? throw new FormatException("must be a JSON object");
    }

    /// <summary>True when <paramref name="json"/> parses as a JSON object; otherwise <paramref name="error"/> says why.</summary>
    public static bool TryParseObject(string? json, out JsonObject? config, out string? error)
    {
        config = null;
        error = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            error = "is empty; expected a JSON object";
            return false;
        }

        try
        {
            config = ParseObject(json);
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The node at a dotted path, or null when any segment is missing.</summary>
    public static JsonNode? Get(JsonObject root, string path)
    {
        JsonNode? current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(segment, out current))
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>Sets the value at a dotted path, creating intermediate objects.</summary>
    public static void Set(JsonObject root, string path, JsonNode? value)
    {
        var segments = path.Split('.');
        var current = root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (current[segments[i]] is not JsonObject next)
            {
                next = new JsonObject();
                current[segments[i]] = next;
            }

            current = next;
        }

        current[segments[^1]] = value;
    }

    public static double? GetDouble(JsonObject root, string path) =>
        Get(root, path) is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    public static long? GetLong(JsonObject root, string path) =>
        Get(root, path) is JsonValue v && v.TryGetValue<double>(out var d) ? (long)Math.Round(d) : null;

    public static string? GetString(JsonObject root, string path) => Get(root, path) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    /// <summary>
    /// Reads a search-space literal: numbers, <c>true</c>/<c>false</c>/<c>null</c> and quoted strings as JSON,
    /// anything else as a plain string (so <c>MoT</c> and <c>"MoT"</c> mean the same).
    /// </summary>
    public static JsonNode? ParseLiteral(string literal)
    {
        var trimmed = literal.Trim();
        if (trimmed.Length > 0 && (char.IsDigit(trimmed[0]) || trimmed[0] is '-' or '+' or '.' or '"' or '[' or '{' || trimmed is "true" or "false" or "null"))
        {
            try
            {
                return JsonNode.Parse(trimmed);
            }
            catch (JsonException)
            {
                // not JSON after all: a plain string such as "-fast"
            }
        }

        return JsonValue.Create(literal);
    }

    /// <summary>True when the config value equals the literal (numbers compare numerically).</summary>
    public static bool ValueEquals(JsonNode? value, string literal)
    {
        var expected = ParseLiteral(literal);
        if (value is JsonValue a && expected is JsonValue b && a.TryGetValue<double>(out var x) && b.TryGetValue<double>(out var y))
        {
            return x.Equals(y);
        }

        return JsonNode.DeepEquals(value, expected);
    }

    /// <summary>A JSON number for a double, written without culture effects.</summary>
    public static JsonNode Number(double value) => JsonValue.Create(value);

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
