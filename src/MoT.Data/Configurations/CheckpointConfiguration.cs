using MoT.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class CheckpointConfiguration : IEntityTypeConfiguration<Checkpoint>
{
    public void Configure(EntityTypeBuilder<Checkpoint> builder)
    {
        builder.ToTable("checkpoints");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Path).HasMaxLength(1024);
        builder.Property(c => c.Sha256).HasMaxLength(64).IsFixedLength();
        builder.HasOne(c => c.Run).WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        // One row per file: a step trained again after a resume writes a second file for the same step (another attempt's
        // folder), and both exist until rotation removes one.
        builder.HasIndex(c => new { c.RunId, c.Path }).IsUnique();
        builder.HasIndex(c => new { c.RunId, c.Step });
    }
}
