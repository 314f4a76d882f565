using MudBlazor;

namespace MoT.Dashboard.Platform;

/// <summary>Runs a user action and turns any backend error into a snackbar instead of a broken circuit.</summary>
public static class UiErrors
{
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

    /// <summary>The message a user can act on (the innermost one for wrapped grain errors).</summary>
    public static string Describe(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner }) e = inner;
        return e.Message;
    }
}
