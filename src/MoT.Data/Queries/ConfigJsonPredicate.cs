using System.Globalization;
using System.Text.Json;

namespace MoT.Data.Queries;

/// <summary>
/// Evaluates a comparison against a value inside a run's config JSON (in memory, identically for every provider).
/// A missing path or a value of another JSON type matches no comparison (so <c>not config.x = 1</c> matches it).
/// </summary>
internal sealed class ConfigJsonPredicate(string[] path, CompareOp op, IReadOnlyList<Literal> values)
{
    public string Path { get; } = string.Join('.', path);

    public bool Evaluate(string? configJson)
    {
        if (string.IsNullOrEmpty(configJson)) return false;
        using var document = JsonDocument.Parse(configJson);
        if (!TryNavigate(document.RootElement, out var element)) return false;
        foreach (var literal in values)
            if (Compare(element, literal)) return true;
        return false;
    }

    private bool TryNavigate(JsonElement root, out JsonElement element)
    {
        element = root;
        foreach (var segment in path)
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(segment, out var child))
                element = child;
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) &&
                     index >= 0 && index < element.GetArrayLength())
                element = element[index];
            else return false;
        }
        return true;
    }

    private bool Compare(JsonElement element, Literal literal)
    {
        int? order = element.ValueKind switch
        {
            JsonValueKind.Number when !literal.Quoted &&
                double.TryParse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                => element.GetDouble().CompareTo(number),
            JsonValueKind.String => string.CompareOrdinal(element.GetString(), literal.Text),
            JsonValueKind.True or JsonValueKind.False when !literal.Quoted && bool.TryParse(literal.Text, out var flag)
                => element.GetBoolean() == flag ? 0 : null,
            JsonValueKind.Null when !literal.Quoted && literal.Text.Equals("null", StringComparison.OrdinalIgnoreCase)
                => 0,
            _ => null,
        };
        if (order is not { } c)
            return false; // type mismatch: neither equal nor ordered (booleans are only (in)equal when they differ)
        return op switch
        {
            CompareOp.Eq => c == 0,
            CompareOp.Ne => c != 0,
            CompareOp.Lt => c < 0,
            CompareOp.Le => c <= 0,
            CompareOp.Gt => c > 0,
            CompareOp.Ge => c >= 0,
            _ => false,
        };
    }
}
