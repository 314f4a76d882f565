namespace MoT.Data.Ingest;

/// <summary>One metric value to ingest; (RunId, Name, Step) identifies it, a re-send overwrites the value.</summary>
public readonly record struct MetricPointRecord(Guid RunId, string Name, long Step, double Value, DateTime WallTime);
