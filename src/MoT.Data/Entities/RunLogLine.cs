namespace MoT.Data.Entities;

/// <summary>
/// One line of a run's console log: what a training attempt said (start, progress, evals, warnings, its outcome).
/// <see cref="Sequence"/> numbers a run's lines 1, 2, 3, ... in the order the store received them, across attempts;
/// lines the size bound removed leave a gap in the numbering (see <see cref="RunLogs.RunLogLimits"/>).
/// </summary>
public class RunLogLine
{
    public Guid RunId { get; set; }
    public long Sequence { get; set; }
    public int Attempt { get; set; }
    public DateTime Time { get; set; }
    public RunLogLevel Level { get; set; }
    public required string Text { get; set; }
}

/// <summary>How a console line reads: colour on the run page, a prefix in <c>mot runs log</c>. Stored as its name.</summary>
public enum RunLogLevel
{
    Info,
    Warning,
    Error,
}
