using System.Globalization;
using System.Text;
using System.Text.Json;
using MoT.Training.Configuration;

namespace MoT.Dashboard.Api;

/// <summary>
/// Reads route values, query values and bodies by hand, so every malformed input gets a one-line error naming its field
/// (the framework's binder answers such requests without saying which field, or with .NET type names).
/// </summary>
public static partial class ApiInput
{
    /// <summary>Bodies the API reads are small documents; the sweep reader has its own, lower, limit inside this.</summary>
    public const int MaxBodyBytes = 1 << 20;

    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 64,
    };

    public static Guid Id(string field, string? value) =>
        Guid.TryParse(value, out var id)
            ? id
            : throw new ApiInputException($"{field}: '{RunConfigSchema.Shorten(value ?? "")}' is not an id (a GUID such as 3f2c1a4e-...)");

    public static int Int(string field, string? value, int fallback, int min, int max)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            throw new ApiInputException($"{field}: '{RunConfigSchema.Shorten(value ?? "")}' is not a whole number");
        return number >= min && number <= max ? number : throw new ApiInputException($"{field}: {number} is outside {min}..{max}");
    }

    public static long Long(string field, string? value, long fallback, long min, long max)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            throw new ApiInputException($"{field}: '{RunConfigSchema.Shorten(value ?? "")}' is not a whole number");
        return number >= min && number <= max ? number : throw new ApiInputException($"{field}: {number} is outside {min}..{max}");
    }

    /// <summary>The body as UTF-8 text, at most <paramref name="maxBytes"/> bytes (413 naming the limit beyond it).</summary>
    public static async Task<string> TextAsync(HttpRequest request, int maxBytes = MaxBodyBytes)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(request.ContentLength.Value, maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(buffer.Length + read, maxBytes);
            buffer.Write(chunk, 0, read);
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.ToArray()).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException error)
        {
            throw new ApiInputException($"body: not UTF-8 text (invalid byte at offset {error.Index})");
        }
    }

    /// <summary>A JSON body as <typeparamref name="T"/>: unknown fields refused, each problem named by its JSON path.</summary>
    public static async Task<T> JsonAsync<T>(HttpRequest request) where T : class
    {
        var text = await TextAsync(request);
        if (string.IsNullOrWhiteSpace(text)) throw new ApiInputException("body: empty; send a JSON object");
        try
        {
            return JsonSerializer.Deserialize<T>(text, Strict) ?? throw new ApiInputException("body: null; send a JSON object");
        }
        catch (JsonException error)
        {
            throw new ApiInputException(Describe(error));
        }
    }

    /// <summary>A JSON error in user terms: where, and what, without the serializer's type names.</summary>
    private static string Describe(JsonException error)
    {
        var path = string.IsNullOrEmpty(error.Path) || error.Path == "$" ? "" : error.Path.TrimStart('$', '.') + ": ";
        var where = error.LineNumber is { } line ? $" (line {line + 1}, column {error.BytePositionInLine + 1})" : "";
        var message = error.Message;
        if (UnmappedProperty().Match(message) is { Success: true } unmapped)
        {
            var field = unmapped.Groups[1].Value;
            return field.Equals("owner", StringComparison.OrdinalIgnoreCase)
                ? "owner: not accepted; what you submit belongs to the user of the token"
                : $"{field}: unknown field{where}";
        }
        if (message.Contains("could not be converted", StringComparison.Ordinal))
            return path.Length > 0 ? $"{path}has the wrong type{where}" : $"body: must be a JSON object{where}";
        if (message.Contains("missing required properties", StringComparison.Ordinal))
            return $"body: a required field is missing: {RequiredNames(message)}";
        return $"body: {path}not valid JSON{where}";
    }

    private static string RequiredNames(string message)
    {
        var start = message.IndexOf("properties including:", StringComparison.Ordinal);
        return start < 0 ? "see the API reference" : message[(start + "properties including:".Length)..].Trim().TrimEnd('.');
    }

    [System.Text.RegularExpressions.GeneratedRegex("The JSON property '([^']{0,64})'")]
    private static partial System.Text.RegularExpressions.Regex UnmappedProperty();

    private static ApiInputException TooLarge(long bytes, int maxBytes) =>
        new($"body: {bytes:N0} bytes or more; at most {maxBytes:N0} are accepted", StatusCodes.Status413PayloadTooLarge);
}
