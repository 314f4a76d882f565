using System.Globalization;
using System.Text.Json;
using MoT.Contracts.Sweeps;

namespace MoT.Dashboard.Sweeps;

/// <summary>One sampled value of a trial: its number when it is one, and how it reads.</summary>
public sealed record ParameterValue(double? Number, string Text);

/// <summary>Reads a trial's sampled parameters (a JSON object keyed by config path) for tables and charts.</summary>
public static class TrialParameters
{
    /// <summary>The trial's values by config path; an unreadable document reads as no values.</summary>
    public static IReadOnlyDictionary<string, ParameterValue> Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value))
                : new Dictionary<string, ParameterValue>();
        }
        catch (JsonException)
        {
            return new Dictionary<string, ParameterValue>();
        }
    }

    /// <summary>The config number format at four significant digits, for the compact trial table and hovers (0.0003162, 3.162e-7, 1024).</summary>
    public static string Round(double value) => MoT.Dashboard.Components.ConfigNumbers.Format(value, 4);

    public static string Text(ParameterValue? value) => value?.Text ?? "—";

    /// <summary>Choice parameters, and any parameter whose seen values are not numbers, are categories.</summary>
    public static bool IsCategorical(SearchParameter parameter, IEnumerable<ParameterValue?> seen) =>
        parameter.Kind == ParameterKind.Choice || seen.Where(v => v is not null).Any(v => v!.Number is null);

    /// <summary>The categories of a parameter: the spec's values in order (quoted or not), then any other value seen.</summary>
    public static List<string> Categories(SearchParameter parameter, IEnumerable<ParameterValue?> seen)
    {
        var categories = (parameter.Values ?? []).Select(Unquote).ToList();
        foreach (var value in seen)
            if (value is not null && !categories.Contains(value.Text)) categories.Add(value.Text);
        return categories;
    }

    private static ParameterValue Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => new ParameterValue(element.GetDouble(), Round(element.GetDouble())),
        JsonValueKind.String when double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => new ParameterValue(d, element.GetString()!),
        JsonValueKind.String => new ParameterValue(null, element.GetString() ?? ""),
        JsonValueKind.True => new ParameterValue(null, "true"),
        JsonValueKind.False => new ParameterValue(null, "false"),
        _ => new ParameterValue(null, element.GetRawText()),
    };

    /// <summary>Choice values are JSON literals or plain strings: <c>"MoT"</c> and <c>MoT</c> are the same category.</summary>
    private static string Unquote(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return Value(document.RootElement).Text;
        }
        catch (JsonException)
        {
            return value;
        }
    }
}
