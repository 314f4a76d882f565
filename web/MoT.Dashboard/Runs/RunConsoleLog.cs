using System.Globalization;
using System.Runtime.CompilerServices;
using MoT.Data.RunLogs;

namespace MoT.Dashboard.Runs;

/// <summary>One console line of a run.</summary>
/// <param name="Level">Info, Warning or Error.</param>
/// <param name="OmittedBefore">Lines the store's size bound removed just before this one (shown as "… N lines omitted …").</param>
public sealed record RunLogLineDto(long Sequence, int Attempt, DateTime Time, string Level, string Text, long OmittedBefore);

/// <summary>A slice of a run's console, oldest line first.</summary>
/// <param name="LastSequence">The run's newest line number (0: none yet). Ask again with after = the last line received to follow.</param>
/// <param name="More">Lines after this slice exist already: ask again at once.</param>
public sealed record RunLogPage(Guid RunId, IReadOnlyList<RunLogLineDto> Lines, long LastSequence, bool More);

/// <summary>A run's console log for the run page, the API and downloads (one reader: the run store).</summary>
public interface IRunConsoleLog
{
    /// <summary>Lines numbered after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    /// <exception cref="KeyNotFoundException">The run is not in the run store.</exception>
    Task<RunLogPage> AfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken = default);

    /// <summary>The last <paramref name="count"/> lines.</summary>
    /// <exception cref="KeyNotFoundException">The run is not in the run store.</exception>
    Task<RunLogPage> TailAsync(Guid runId, int count, CancellationToken cancellationToken = default);
}

/// <summary>Reads consoles from the run store (<see cref="RunLogQuery"/>).</summary>
public sealed class DatabaseRunConsoleLog(RunLogQuery query) : IRunConsoleLog
{
    public async Task<RunLogPage> AfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken = default) =>
        Page(runId, await query.AfterAsync(runId, after, limit, cancellationToken));

    public async Task<RunLogPage> TailAsync(Guid runId, int count, CancellationToken cancellationToken = default) =>
        Page(runId, await query.TailAsync(runId, count, cancellationToken));

    private static RunLogPage Page(Guid runId, RunLogSlice? slice) => slice is null
        ? throw new KeyNotFoundException($"runId: run {MoT.Contracts.ShortIds.Of(runId)} is not in the run store")
        : new RunLogPage(runId, [.. slice.Lines.Select(l => new RunLogLineDto(l.Sequence, l.Attempt, l.Time, l.Level.ToString(), l.Text, l.OmittedBefore))],
            slice.LastSequence, slice.More);
}

/// <summary>The console as plain text: what the download and <c>mot runs log</c> print.</summary>
public static class RunConsoleText
{
    /// <summary>Lines read per store query while writing the whole console.</summary>
    private const int Chunk = 2_000;

    /// <summary>"2026-12-01 13:05:02Z  #1  INFO   text", preceded by the omission marker where lines were removed.</summary>
    public static IEnumerable<string> Format(RunLogLineDto line)
    {
        if (line.OmittedBefore > 0) yield return Omitted(line.OmittedBefore);
        yield return $"{line.Time.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}  #{line.Attempt}  {line.Level.ToUpperInvariant(),-7} {line.Text}";
    }

    public static string Omitted(long count) => $"… {count.ToString("N0", CultureInfo.InvariantCulture)} lines omitted …";

    /// <summary>The file name a download of the run's console gets.</summary>
    public static string FileName(Guid runId) => $"run-{runId:N}.log";

    /// <summary>Streams the whole console as a text/plain attachment (the run is known to exist).</summary>
    public static async Task WriteFileAsync(IRunConsoleLog log, Guid runId, HttpContext http)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(runId)}\"";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false));
        await foreach (var line in AllAsync(log, runId, http.RequestAborted))
            await writer.WriteLineAsync(line);
    }

    /// <summary>Every stored line of the run, in order, as text lines.</summary>
    /// <exception cref="KeyNotFoundException">The run is not in the run store (thrown before the first line).</exception>
    public static async IAsyncEnumerable<string> AllAsync(IRunConsoleLog log, Guid runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long after = 0;
        while (true)
        {
            var page = await log.AfterAsync(runId, after, Chunk, cancellationToken);
            foreach (var line in page.Lines.SelectMany(Format)) yield return line;
            if (!page.More || page.Lines.Count == 0) yield break;
            after = page.Lines[^1].Sequence;
        }
    }
}
