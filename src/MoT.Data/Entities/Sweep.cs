using MoT.Contracts.Sweeps;

namespace MoT.Data.Entities;

/// <summary>A hyperparameter sweep as its grain last recorded it: the spec it was submitted with (JSON, seed included), its status and best run.</summary>
public class Sweep
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string OwnerId { get; set; }
    public User? Owner { get; set; }
    public required string SpecJson { get; set; }
    public SweepStatus Status { get; set; }
    public string? SearchStateJson { get; set; }
    public Guid? BestRunId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}
