/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The small part of UEFI 2.10 the EFI entry uses (kernel/efi.c): the system table, boot services,
 * the loaded-image, simple-file-system and file protocols, the memory map. Layouts follow the
 * specification's declarations; only the members used are typed, the rest are placeholders that
 * keep the offsets.
 */
#ifndef KERNEL_EFI_H
#define KERNEL_EFI_H

#include <stdint.h>

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef uint16_t efi_char16;

/* Status codes (UEFI 2.10 appendix D): errors have the top bit set. */
#define EFI_ERROR_BIT	      (1ULL << 63)
#define EFI_SUCCESS	      0ULL
#define EFI_LOAD_ERROR	      (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED	      (EFI_ERROR_BIT | 3)
#define EFI_BUFFER_TOO_SMALL  (EFI_ERROR_BIT | 5)
#define EFI_OUT_OF_RESOURCES  (EFI_ERROR_BIT | 9)
#define EFI_NOT_FOUND	      (EFI_ERROR_BIT | 14)

struct efi_guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};

struct efi_table_header {
	uint64_t signature;
	uint32_t revision, header_size, crc32, reserved;
};

struct efi_simple_text_output {
	void *reset;
	efi_status (*output_string)(struct efi_simple_text_output *self, const efi_char16 *s);
};

/* EFI_MEMORY_TYPE (UEFI 2.10 7.2) */
enum efi_memory_type {
	EFI_RESERVED_MEMORY,
	EFI_LOADER_CODE,
	EFI_LOADER_DATA,
	EFI_BOOT_SERVICES_CODE,
	EFI_BOOT_SERVICES_DATA,
	EFI_RUNTIME_SERVICES_CODE,
	EFI_RUNTIME_SERVICES_DATA,
	EFI_CONVENTIONAL_MEMORY,
	EFI_UNUSABLE_MEMORY,
	EFI_ACPI_RECLAIM_MEMORY,
	EFI_ACPI_MEMORY_NVS,
	EFI_MEMORY_MAPPED_IO,
	EFI_MEMORY_MAPPED_IO_PORT_SPACE,
	EFI_PAL_CODE,
	EFI_PERSISTENT_MEMORY,
	EFI_MEMORY_TYPE_COUNT
};

/* EFI_MEMORY_DESCRIPTOR; the firmware's DescriptorSize, not sizeof, is the stride. */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;
	uint64_t attribute;
};

#define EFI_PAGE_SHIFT 12

/* EFI_ALLOCATE_TYPE */
enum efi_allocate_type { EFI_ALLOCATE_ANY_PAGES, EFI_ALLOCATE_MAX_ADDRESS, EFI_ALLOCATE_ADDRESS };

struct efi_boot_services {
	struct efi_table_header hdr;
	void *raise_tpl, *restore_tpl;
	efi_status (*allocate_pages)(uint32_t type, uint32_t memory_type, uint64_t pages,
				     uint64_t *memory);
	efi_status (*free_pages)(uint64_t memory, uint64_t pages);
	efi_status (*get_memory_map)(uint64_t *map_size, struct efi_memory_descriptor *map,
				     uint64_t *map_key, uint64_t *desc_size,
				     uint32_t *desc_version);
	void *allocate_pool, *free_pool;
	void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event, *check_event;
	void *install_protocol_interface, *reinstall_protocol_interface,
		*uninstall_protocol_interface;
	efi_status (*handle_protocol)(efi_handle h, const struct efi_guid *guid, void **iface);
	void *reserved, *register_protocol_notify, *locate_handle, *locate_device_path,
		*install_configuration_table;
	void *load_image, *start_image, *exit, *unload_image;
	efi_status (*exit_boot_services)(efi_handle image, uint64_t map_key);
	void *get_next_monotonic_count, *stall, *set_watchdog_timer;
	void *connect_controller, *disconnect_controller;
	void *open_protocol, *close_protocol, *open_protocol_information;
	void *protocols_per_handle, *locate_handle_buffer;
	efi_status (*locate_protocol)(const struct efi_guid *guid, void *registration,
				      void **iface);
};

/* EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL (UEFI 2.10 14.2): only Configuration() is used. */
struct efi_pci_root_bridge_io {
	efi_handle parent_handle;
	void *poll_mem, *poll_io;
	void *mem_read, *mem_write, *io_read, *io_write, *pci_read, *pci_write;
	void *copy_mem, *map, *unmap, *allocate_buffer, *free_buffer, *flush;
	void *get_attributes, *set_attributes;
	efi_status (*configuration)(struct efi_pci_root_bridge_io *self, void **resources);
	uint32_t segment_number;
};

/* ACPI QWord Address Space Descriptor (ACPI 6.5 6.4.3.5.1), as Configuration() returns them. */
#define ACPI_QWORD_DESC	    0x8a
#define ACPI_END_TAG	    0x79
#define ACPI_QWORD_LEN	    46
#define ACPI_QWORD_RES_TYPE 3 /* 0 memory, 1 I/O, 2 bus numbers */
#define ACPI_QWORD_FLAGS    5 /* memory: bits 2:1 = 3 prefetchable */
#define ACPI_QWORD_GRAN	    6 /* 32 or 64: the address width */
#define ACPI_QWORD_MIN	    14
#define ACPI_QWORD_TRANS    30
#define ACPI_QWORD_LENGTH   38

struct efi_configuration_table {
	struct efi_guid guid;
	void *table;
};

struct efi_system_table {
	struct efi_table_header hdr;
	efi_char16 *firmware_vendor;
	uint32_t firmware_revision;
	efi_handle console_in_handle;
	void *con_in;
	efi_handle console_out_handle;
	struct efi_simple_text_output *con_out;
	efi_handle standard_error_handle;
	struct efi_simple_text_output *std_err;
	void *runtime_services;
	struct efi_boot_services *boot_services;
	uint64_t number_of_table_entries;
	struct efi_configuration_table *configuration_table;
};

/* A device path node (UEFI 2.10 10.2): type, subtype, 16-bit little-endian length. */
struct efi_device_path {
	uint8_t type, subtype;
	uint8_t length[2];
};
#define EFI_DP_TYPE_MEDIA	 4
#define EFI_DP_SUBTYPE_FILE_PATH 4
#define EFI_DP_TYPE_END		 0x7f

struct efi_loaded_image {
	uint32_t revision;
	efi_handle parent_handle;
	struct efi_system_table *system_table;
	efi_handle device_handle;
	struct efi_device_path *file_path;
	void *reserved;
	uint32_t load_options_size;
	void *load_options;
	void *image_base;
	uint64_t image_size;
	uint32_t image_code_type, image_data_type;
	void *unload;
};

struct efi_file {
	uint64_t revision;
	efi_status (*open)(struct efi_file *self, struct efi_file **out, const efi_char16 *name,
			   uint64_t mode, uint64_t attributes);
	efi_status (*close)(struct efi_file *self);
	void *delete_file;
	efi_status (*read)(struct efi_file *self, uint64_t *size, void *buf);
	void *write;
	efi_status (*get_position)(struct efi_file *self, uint64_t *pos);
	efi_status (*set_position)(struct efi_file *self, uint64_t pos);
};
#define EFI_FILE_MODE_READ 1ULL

struct efi_simple_file_system {
	uint64_t revision;
	efi_status (*open_volume)(struct efi_simple_file_system *self, struct efi_file **root);
};

#endif
