namespace MoT.Data.Entities;

/// <summary>One scalar of a run at a step; (run, name, step) is unique and re-ingest overwrites it.</summary>
public class MetricPoint
{
    public Guid RunId { get; set; }
    public required string Name { get; set; }
    public long Step { get; set; }
    public double Value { get; set; }
    public DateTime WallTime { get; set; }
}
