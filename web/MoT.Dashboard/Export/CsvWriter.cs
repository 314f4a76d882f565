using System.Globalization;

namespace MoT.Dashboard.Export;

/// <summary>
/// RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted (quotes doubled); numbers and dates in the invariant
/// culture. Text a person typed (names, tags, notes, failure messages) that starts with = + - @ (or a tab / CR) is
/// prefixed with ' so a spreadsheet shows it instead of evaluating it as a formula; numbers are written by us and left as they are.
/// </summary>
public sealed class CsvWriter(TextWriter output)
{
    private bool _lineStarted;

    /// <summary>A cell of text someone may have typed: quoted as needed and defused against formulas.</summary>
    public CsvWriter Text(string? value) => Raw(Defuse(value ?? ""));

    public CsvWriter Number(double? value) => Raw(value switch
    {
        null => "",
        { } v when double.IsNaN(v) => "NaN",
        { } v => v.ToString("R", CultureInfo.InvariantCulture),
    });

    public CsvWriter Number(long? value) => Raw(value?.ToString(CultureInfo.InvariantCulture) ?? "");

    /// <summary>ISO 8601 UTC (<c>2026-12-01T10:15:00.000Z</c>).</summary>
    public CsvWriter Time(DateTime? value) =>
        Raw(value is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "");

    public CsvWriter Id(Guid? value) => Raw(value?.ToString() ?? "");

    /// <summary>Ends the record with CRLF, as RFC 4180 says.</summary>
    public void EndLine()
    {
        output.Write("\r\n");
        _lineStarted = false;
    }

    public CsvWriter Header(params string[] names)
    {
        foreach (var name in names) Raw(name);
        EndLine();
        return this;
    }

    private CsvWriter Raw(string field)
    {
        if (_lineStarted) output.Write(',');
        _lineStarted = true;
        if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            output.Write('"');
            output.Write(field.Replace("\"", "\"\""));
            output.Write('"');
        }
        else
        {
            output.Write(field);
        }

        return this;
    }

    /// <summary>The cell as text a spreadsheet will not run: a leading formula character gets a ' in front.</summary>
    public static string Defuse(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
}
