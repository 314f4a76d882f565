namespace MoT.Data.Queries;

/// <summary>A malformed run filter; <see cref="Column"/> is the 1-based position of the offending text.</summary>
public sealed class QuerySyntaxException(string message, int column) : Exception(message)
{
    public int Column { get; } = column;
}
