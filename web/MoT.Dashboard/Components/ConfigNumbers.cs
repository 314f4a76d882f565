using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoT.Dashboard.Components;

/// <summary>
/// How the dashboard prints the numbers of a run config: at most <see cref="SignificantDigits"/> significant digits
/// (0.0007562882292797111 reads 0.000756288), integers whole. Pages keep the exact value for tooltips, copy and edit.
/// </summary>
public static class ConfigNumbers
{
    public const int SignificantDigits = 6;

    /// <summary>
    /// One config number as people read it: whole numbers whole, others at <paramref name="significantDigits"/> significant
    /// digits (0.000756288; 3.16228e-7 and 1.23457e8 in scientific notation below 1e-4 and from 1e6).
    /// </summary>
    public static string Format(double value, int significantDigits = SignificantDigits)
    {
        if (!double.IsFinite(value) || (value == Math.Round(value) && Math.Abs(value) < 1e15)) return value.ToString(CultureInfo.InvariantCulture);
        var magnitude = Math.Abs(value);
        if (magnitude is < 1e-4 or >= 1e6) return value.ToString("0." + new string('#', significantDigits - 1) + "e0", CultureInfo.InvariantCulture);
        var scale = Math.Pow(10, Math.Floor(Math.Log10(magnitude)) - (significantDigits - 1));
        return (Math.Round(value / scale) * scale).ToString("0.##############", CultureInfo.InvariantCulture);
    }

    /// <summary>A config document, indented, with every number at readable precision (not for copying: use the exact JSON).</summary>
    public static string Readable(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return json;
        }

        return root is null ? json : Round(root).ToJsonString(Indented);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static double Rounded(double value) => double.Parse(Format(value), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static JsonNode Round(JsonNode node)
    {
        switch (node)
        {
            // Rounded in place: only a number that changes is replaced (a node can have one parent, so no copies).
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                    if (obj[key] is { } child && Round(child) is var rounded && !ReferenceEquals(rounded, child)) obj[key] = rounded;
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is { } item && Round(item) is var rounded && !ReferenceEquals(rounded, item)) array[i] = rounded;
                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number)
                                      && double.IsFinite(number) && number != Math.Round(number):
                return JsonValue.Create(Rounded(number));
            default:
                return node;
        }
    }
}
