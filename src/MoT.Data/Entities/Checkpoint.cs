namespace MoT.Data.Entities;

/// <summary>A saved training state of a run at a step; pinned checkpoints survive retention clean-up.</summary>
public class Checkpoint
{
    public Guid Id { get; set; }
    public Guid RunId { get; set; }
    public Run? Run { get; set; }
    public long Step { get; set; }
    public required string Path { get; set; }
    public long Bytes { get; set; }
    /// <summary>Lower-case hex SHA-256 of the checkpoint file.</summary>
    public required string Sha256 { get; set; }
    public bool Pinned { get; set; }
    public DateTime CreatedAt { get; set; }
}
