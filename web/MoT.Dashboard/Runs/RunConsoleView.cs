namespace MoT.Dashboard.Runs;

/// <summary>
/// What the run page's Console card shows: the run's last lines, extended with the lines that arrived since each time
/// the page's live feed ticks. Keeps at most <see cref="MaxShown"/> lines (the download has all).
/// </summary>
public sealed class RunConsoleView(IRunConsoleLog log)
{
    /// <summary>Lines the card loads when it opens.</summary>
    public const int InitialLines = 500;

    /// <summary>Lines the card keeps; older ones leave the card, not the store.</summary>
    public const int MaxShown = 2_000;

    /// <summary>Lines read per refresh; a refresh reads on while more are waiting, up to <see cref="MaxShown"/>.</summary>
    private const int RefreshChunk = 1_000;

    private readonly List<RunLogLineDto> _lines = [];

    public Guid RunId { get; private set; }

    public IReadOnlyList<RunLogLineDto> Lines => _lines;

    /// <summary>The newest line received (0: none yet).</summary>
    public long LastSequence { get; private set; }

    /// <summary>True when the card does not show the run's first lines (the download has them).</summary>
    public bool StartsLater => _lines.Count > 0 && _lines[0].Sequence - _lines[0].OmittedBefore > 1;

    /// <summary>Set when the run is not (yet) in the run store.</summary>
    public string? Unavailable { get; private set; }

    public async Task LoadAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        RunId = runId;
        _lines.Clear();
        LastSequence = 0;
        try
        {
            var page = await log.TailAsync(runId, InitialLines, cancellationToken);
            Unavailable = null;
            Append(page.Lines);
        }
        catch (KeyNotFoundException)
        {
            Unavailable = "The console appears once the run is in the run store (shortly after it is queued).";
        }
    }

    /// <summary>Reads the lines that arrived since the last one shown; returns how many were added.</summary>
    public async Task<int> RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (Unavailable is not null)
        {
            await LoadAsync(RunId, cancellationToken);
            return _lines.Count;
        }

        var added = 0;
        while (added < MaxShown)
        {
            var page = await log.AfterAsync(RunId, LastSequence, RefreshChunk, cancellationToken);
            Append(page.Lines);
            added += page.Lines.Count;
            if (!page.More || page.Lines.Count == 0) break;
        }

        return added;
    }

    private void Append(IReadOnlyList<RunLogLineDto> lines)
    {
        _lines.AddRange(lines);
        if (lines.Count > 0) LastSequence = lines[^1].Sequence;
        if (_lines.Count > MaxShown) _lines.RemoveRange(0, _lines.Count - MaxShown);
    }
}
