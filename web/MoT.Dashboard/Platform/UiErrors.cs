using MudBlazor;
using Orleans.Runtime;

namespace MoT.Dashboard.Platform;

/// <summary>Runs a user action and turns any backend error into a snackbar instead of a broken circuit.</summary>
public static class UiErrors
{
    /// <summary>Longest message shown; a longer one is a bug report, not something a user acts on.</summary>
    public const int MaxMessageLength = 600;

    public static async Task<bool> TryAsync(this ISnackbar snackbar, Func<Task> action, string? success = null)
    {
        try
        {
            await action();
            if (success is not null) snackbar.Add(success, Severity.Success);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            snackbar.Add(Describe(e), Severity.Error);
            return false;
        }
    }

    /// <summary>
    /// One line a user can act on (the innermost one for wrapped grain errors). A response timeout or an unreachable
    /// cluster says so in words, not with the cluster's multi-kilobyte diagnostics (activation dumps, queue sizes) that
    /// Orleans puts in those exceptions' messages.
    /// </summary>
    public static string Describe(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner }) e = inner;
        return e switch
        {
            TimeoutException => "The platform did not answer in time. The action may still complete: reload the page in a moment to see.",
            SiloUnavailableException or OrleansMessageRejectionException =>
                "The platform's cluster could not be reached right now; try again in a moment.",
            _ => OneLine(e.Message),
        };
    }

    private static string OneLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return MoT.Data.StoredText.Fit(line, MaxMessageLength);
    }
}
