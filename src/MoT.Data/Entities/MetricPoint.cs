namespace MoT.Data.Entities;

/// <summary>One scalar of a run at a step; (run, name, step) is unique and re-ingest overwrites it.</summary>
public class MetricPoint
{
    public Guid RunId { get; set; }
    public required string Name { get; set; }
    public long Step { get; set; }
    /// <summary>The value; NaN (a diverged loss) reads back as NaN on PostgreSQL and as null on SQLite, which has no NaN.</summary>
    public double? Value { get; set; }
    public DateTime WallTime { get; set; }
}
