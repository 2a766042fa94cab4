#!/bin/busybox sh
# Stage 1 of the qemu lane's guest (/init of the initramfs, busybox only):
# load the modules the lane needs, then move into a tmpfs root so that
# pivot_root works for the containers (it refuses the initramfs rootfs).
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for m in overlay llc stp bridge veth netfs fscache 9pnet 9p virtio_ring virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet_virtio configfs null_blk; do
	if [ "$m" = null_blk ]; then
		/bin/busybox insmod /modules/$m.ko nr_devices=1 2>/dev/null
	else
		/bin/busybox insmod /modules/$m.ko 2>/dev/null
	fi
done
/bin/busybox mount -t tmpfs -o mode=755 root /newroot
/bin/busybox cp -a /bin /stage2 /newroot/
/bin/busybox umount /dev
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot /stage2
