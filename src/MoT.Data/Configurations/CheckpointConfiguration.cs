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
        builder.HasIndex(c => new { c.RunId, c.Step }).IsUnique();
    }
}
