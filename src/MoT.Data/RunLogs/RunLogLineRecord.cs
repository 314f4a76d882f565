using MoT.Data.Entities;

namespace MoT.Data.RunLogs;

/// <summary>A console line on its way to the store; the store numbers it (<see cref="RunLogLine.Sequence"/>).</summary>
public sealed record RunLogLineRecord(Guid RunId, int Attempt, DateTime Time, RunLogLevel Level, string Text);
