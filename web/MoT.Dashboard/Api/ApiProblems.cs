using MoT.Data.Queries;
using MoT.Training.Configuration;

namespace MoT.Dashboard.Api;

/// <summary>
/// The API's errors as RFC 7807 problem+json with one line a user can act on. Errors a caller causes keep their message
/// (they name the field); anything else is a bug and answers 500 with only a request id to quote, never its details.
/// </summary>
public static class ApiProblems
{
    /// <summary>A problem for <paramref name="error"/>, or null when it is not a caller's error (the host's handler reports it).</summary>
    public static IResult? For(Exception error)
    {
        while (error is AggregateException { InnerException: { } inner }) error = inner;
        return error switch
        {
            ApiInputException input => Problem(input.Status, input.Message),
            UnauthorizedAccessException => Problem(StatusCodes.Status403Forbidden, error.Message),
            KeyNotFoundException => Problem(StatusCodes.Status404NotFound, error.Message),
            InvalidConfigException or RunQueryException or ArgumentException or FormatException => Problem(StatusCodes.Status400BadRequest, error.Message),
            InvalidOperationException => Problem(StatusCodes.Status409Conflict, error.Message),
            _ => null,
        };
    }

    public static IResult Problem(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, extensions: extensions);

    /// <summary>Runs the route and turns a caller's error into its problem; bugs go on to the exception handler.</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception error) when (For(error) is { } problem)
        {
            return problem;
        }
    }
}

/// <summary>A request the API cannot take, with the status and the one line that says why (naming the field).</summary>
public sealed class ApiInputException(string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    public int Status { get; } = status;
}
