using System.CommandLine;
using System.Globalization;
using MoT.Cli.Api;

namespace MoT.Cli.Commands;

/// <summary>
/// <c>mot runs log RUN [--tail N] [--follow]</c>: a run's console log through the HTTP API (what the run page's Console
/// card shows): every stored line, or the last N; with --follow it keeps printing new lines until the run ends.
/// </summary>
internal static class RunsLogCommand
{
    private const int PageSize = 1000;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly HashSet<string> Ended = new(StringComparer.OrdinalIgnoreCase) { "Completed", "Failed", "Cancelled", "Pruned", "Diverged" };

    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "The run's id (as `mot runs query` prints it)" };
        var tail = new Option<int?>("--tail") { Description = "Print only the last N lines (then follow from there with --follow)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until the run has ended" };
        var timeout = new Option<int>("--connect-timeout") { Description = "Seconds to wait for the platform's API to answer", DefaultValueFactory = _ => 10 };
        var log = new Command("log", "Print a run's console log (start, progress, evals, warnings, how each attempt ended)") { run, tail, follow, timeout };
        log.SetAction(async (parse, cancel) =>
        {
            if (parse.GetValue(tail) is < 1 and var given)
                throw new InvalidOperationException($"--tail must be at least 1 (got {given})");
            var settings = ApiSettings.Load();
            if (!settings.IsConfigured)
                throw new InvalidOperationException($"not signed in to a platform: run mot login URL (or set {ApiSettings.UrlVariable} and {ApiSettings.TokenVariable})");
            using var api = new PlatformApi(settings, ApiCommandOptions.Timeout(parse.GetValue(timeout)));
            var id = Uri.EscapeDataString(parse.GetValue(run)!.Trim());

            long after = 0;
            if (parse.GetValue(tail) is { } count)
            {
                var last = await api.GetAsync<LogPage>($"runs/{id}/log?tail={count}", cancel);
                after = Print(last, 0);
                if (last.Lines.Count == 0) after = last.LastSequence;
            }
            else
            {
                after = await PrintAfterAsync(api, id, after, cancel);
            }

            while (parse.GetValue(follow))
            {
                var status = (await api.GetAsync<RunStatusOnly>($"runs/{id}", cancel)).Status;
                // Lines are stored before the run's status changes: one more read after the end gets the last of them.
                after = await PrintAfterAsync(api, id, after, cancel);
                if (Ended.Contains(status)) break;
                await Task.Delay(PollInterval, cancel);
            }

            return 0;
        });
        return log;
    }

    /// <summary>Prints every line after <paramref name="after"/>, page by page; returns the last line's number.</summary>
    private static async Task<long> PrintAfterAsync(PlatformApi api, string id, long after, CancellationToken cancel)
    {
        while (true)
        {
            var page = await api.GetAsync<LogPage>($"runs/{id}/log?after={after}&limit={PageSize}", cancel);
            after = Print(page, after);
            if (!page.More || page.Lines.Count == 0) return after;
        }
    }

    private static long Print(LogPage page, long after)
    {
        foreach (var line in page.Lines)
        {
            if (line.OmittedBefore > 0) Console.WriteLine($"… {line.OmittedBefore.ToString("N0", CultureInfo.InvariantCulture)} lines omitted …");
            Console.WriteLine(Format(line));
            after = line.Sequence;
        }

        return after;
    }

    /// <summary>The same layout as the run page's download: time (UTC), attempt, level, text.</summary>
    internal static string Format(LogLine line) =>
        $"{line.Time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}  #{line.Attempt}  {line.Level.ToUpperInvariant(),-7} {line.Text}";

    internal sealed record LogLine(long Sequence, int Attempt, DateTimeOffset Time, string Level, string Text, long OmittedBefore);

    internal sealed record LogPage(Guid RunId, IReadOnlyList<LogLine> Lines, long LastSequence, bool More);

    private sealed record RunStatusOnly(string Status);
}
