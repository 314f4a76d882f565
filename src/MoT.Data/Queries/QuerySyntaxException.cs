namespace MoT.Data.Queries;

/// <summary>A run query a user wrote cannot run: bad filter, sort, cursor or page size. The message is one line for
/// that user and names the offending field, value or limit.</summary>
public class RunQueryException(string message) : Exception(message);

/// <summary>A malformed run filter; <see cref="Column"/> is the 1-based position of the offending text.</summary>
public sealed class QuerySyntaxException(string message, int column) : RunQueryException(message)
{
    public int Column { get; } = column;
}
