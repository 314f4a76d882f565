using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MoT.Data.Queries;

/// <summary>
/// Comparison of a value inside a run's config JSON with a filter literal, evaluated by the database: PostgreSQL runs
/// the SQL function <c>mot.config_matches</c> (created by the PostgreSQL migration ConfigMatchesFunction: change both
/// together), SQLite calls this C# code as the user function
/// <c>mot_config_matches</c> registered on every connection. Both follow the same rules:
/// a JSON number compares numerically with an unquoted numeric literal; a JSON string compares ordinally with the
/// literal's text; a JSON boolean or null is only (in)equal to <c>true</c>/<c>false</c>/<c>null</c>; a missing path or
/// any other pairing matches no comparison (so <c>not config.x = 1</c> matches runs without x).
/// </summary>
public static partial class ConfigJson
{
    /// <summary>Whether the value at <paramref name="path"/> (dot-separated; array elements by index) satisfies
    /// <c>value op literal</c>. Translated to SQL inside queries; callable directly too.</summary>
    public static bool Matches(string? configJson, string path, string op, string literal, bool quoted)
    {
        if (string.IsNullOrEmpty(configJson)) return false;
        using var document = JsonDocument.Parse(configJson);
        var element = document.RootElement;
        foreach (var segment in path.Split('.'))
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(segment, out var child))
                element = child;
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.AllowLeadingSign,
                         CultureInfo.InvariantCulture, out var index) &&
                     (index < 0 ? index + element.GetArrayLength() : index) is var i && i >= 0 && i < element.GetArrayLength())
                element = element[i];
            else return false;
        }

        Order order;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number when !quoted && NumberLiteral().IsMatch(literal):
                order = (Order)Math.Sign(element.GetDouble().CompareTo(double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture)));
                break;
            case JsonValueKind.String:
                order = (Order)Math.Sign(string.CompareOrdinal(element.GetString(), literal));
                break;
            case JsonValueKind.True or JsonValueKind.False when !quoted && literal.ToLowerInvariant() is "true" or "false":
                order = (element.ValueKind == JsonValueKind.True) == (literal.ToLowerInvariant() == "true") ? Order.Equal : Order.Different;
                break;
            case JsonValueKind.Null when !quoted && literal.Equals("null", StringComparison.OrdinalIgnoreCase):
                order = Order.Equal;
                break;
            default:
                return false;
        }
        return op switch
        {
            "=" => order == Order.Equal,
            "!=" => order != Order.Equal,
            "<" => order == Order.Less,
            "<=" => order is Order.Less or Order.Equal,
            ">" => order == Order.Greater,
            ">=" => order is Order.Greater or Order.Equal,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown comparison operator"),
        };
    }

    private enum Order { Less = -1, Equal = 0, Greater = 1, Different = 2 }

    /// <summary>Whether both providers read <paramref name="literal"/> (unquoted) as a number.</summary>
    public static bool IsNumberLiteral(string literal) => NumberLiteral().IsMatch(literal);

    /// <summary>The literal forms both providers read as numbers (the SQL function uses the same pattern).</summary>
    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")]
    private static partial Regex NumberLiteral();

    /// <summary>Name of the SQLite user function.</summary>
    public const string SqliteFunctionName = "mot_config_matches";
}
